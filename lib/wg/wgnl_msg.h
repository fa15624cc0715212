/* SPDX-License-Identifier: ISC */
/*
 * The messages of the kernel backend (wgnl.h), built without sockets:
 * each builder writes one message into buf and returns its length, or
 * -errno (-EMSGSIZE when buf is too small, -EINVAL for a bad interface
 * name).
 */
#ifndef KEYGATE_WGNL_MSG_H
#define KEYGATE_WGNL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/wg.h"

/* Big enough for any request we build, and what a reply buffer should be. */
#define WGNL_BUF_SIZE 8192

/* CTRL_CMD_GETFAMILY for "wireguard" to the generic netlink controller. */
int wgnl_msg_getfamily(void *buf, size_t len, uint32_t seq);
/* WG_CMD_GET_DEVICE, a dump request naming the interface. */
int wgnl_msg_get_device(void *buf, size_t len, uint16_t family, uint32_t seq, const char *ifname);

/*
 * WG_CMD_SET_DEVICE may need several messages: the cursor remembers how far
 * the device has been sent. Each call to wgnl_msg_set_device fills one
 * message of at most len bytes and returns its length, 0 when everything has
 * been sent, or -errno.
 */
struct wgnl_msg_cursor {
	const struct wg_device *dev;
	const struct wg_peer *peer;     /* the next peer to send */
	const struct wg_allowedip *aip; /* its next allowed IP */
	bool peer_started;              /* its own fields went out already */
	bool first;                     /* no message built yet */
	bool done;
};
void wgnl_msg_cursor_init(struct wgnl_msg_cursor *c, const struct wg_device *dev);
int wgnl_msg_set_device(struct wgnl_msg_cursor *c, void *buf, size_t len, uint16_t family,
			uint32_t seq);

#endif

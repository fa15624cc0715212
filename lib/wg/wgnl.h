/* SPDX-License-Identifier: ISC */
/*
 * The kernel backend (wgipc.h): the generic netlink family "wireguard"
 * (linux/wireguard.h) through libmnl. wgnl.c talks to the kernel; the
 * messages are built (wgnl_msg.c) and parsed (wgnl_parse.c) without
 * sockets, so the unit tests check them byte by byte and the fuzzer feeds
 * the parser.
 *
 * The backend's calls return 0 or -errno and on failure leave one line in
 * err. Builders write one message into buf and return its length, or -errno
 * (-EMSGSIZE when buf is too small, -EINVAL for a bad interface name).
 * Parsers take untrusted bytes and return 0 or -EBADMSG; they never read
 * past len.
 */
#ifndef KEYGATE_WGNL_H
#define KEYGATE_WGNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/text.h"
#include "wg/wg.h"

/* Big enough for any request we build, and what a reply buffer should be. */
#define WGNL_BUF_SIZE 8192

/* The backend's two calls. */
int wgnl_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN]);
int wgnl_set_device(const struct wg_device *dev, char err[ERR_LEN]);

/* CTRL_CMD_GETFAMILY for "wireguard" to the generic netlink controller. */
int wgnl_build_getfamily(void *buf, size_t len, uint32_t seq);
/* The family id from the controller's reply; -ENOENT (and the like) when the
 * reply is an error message, -EBADMSG when it is malformed. */
int wgnl_parse_getfamily(const void *buf, size_t len, uint16_t *family);

/* WG_CMD_GET_DEVICE, a dump request naming the interface. */
int wgnl_build_get_device(void *buf, size_t len, uint16_t family, uint32_t seq, const char *ifname);

/*
 * WG_CMD_SET_DEVICE may need several messages: the cursor remembers how far
 * the device has been sent. Each call to wgnl_build_set_device fills one
 * message of at most len bytes and returns its length, 0 when everything has
 * been sent, or -errno.
 */
struct wgnl_set_cursor {
	const struct wg_device *dev;
	const struct wg_peer *peer;     /* the next peer to send */
	const struct wg_allowedip *aip; /* its next allowed IP */
	bool peer_started;              /* its own fields went out already */
	bool first;                     /* no message built yet */
	bool done;
};
void wgnl_set_cursor_init(struct wgnl_set_cursor *c, const struct wg_device *dev);
int wgnl_build_set_device(struct wgnl_set_cursor *c, void *buf, size_t len, uint16_t family,
			  uint32_t seq);

/*
 * A GET_DEVICE dump arrives in several messages, maybe several per read.
 * Feed each read to wgnl_dump_feed: it returns 0 while more is expected,
 * 1 at NLMSG_DONE, or -errno (the kernel's error from an error message,
 * -EBADMSG for malformed bytes). When interrupted is set at the end, the
 * device changed during the dump: discard it and dump again.
 */
struct wgnl_dump {
	struct wg_device *dev;
	struct wg_peer *last_peer;
	struct wg_allowedip *last_aip;
	uint16_t family;
	bool interrupted;
	bool done;
};
/* 0 or -ENOMEM. */
int wgnl_dump_init(struct wgnl_dump *d, uint16_t family);
int wgnl_dump_feed(struct wgnl_dump *d, const void *buf, size_t len);
/* Frees whatever was parsed; d->dev may be taken (and set NULL) before. */
void wgnl_dump_finish(struct wgnl_dump *d);

/* The error of an NLMSG_ERROR message (0 for an ACK), or -EBADMSG. */
int wgnl_parse_ack(const void *buf, size_t len, uint32_t seq);

#endif

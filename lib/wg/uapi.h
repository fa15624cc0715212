/* SPDX-License-Identifier: ISC */
/*
 * The userspace backend (wgipc.h): the cross-platform configuration
 * protocol (wireguard.com/xplatform) spoken over the stream socket
 * /var/run/wireguard/IF.sock by wireguard-go and boringtun. Text lines
 * "key=value", keys as 64 hex digits, a request ends with a blank line, a
 * reply with "errno=N" and a blank line (wireguard-go sends N negative).
 *
 * This is the exchange half: it talks to a socket with bounded waits. The
 * text half (uapi_text.h) builds requests and parses replies. All return
 * 0 or -errno and on failure leave one line in err.
 */
#ifndef KEYGATE_UAPI_H
#define KEYGATE_UAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "base/text.h"
#include "wg/wg.h"

#define UAPI_SOCKET_DIR "/var/run/wireguard"
/* A 5,000-peer device with four allowed IPs each answers about 2.5 MiB. */
#define UAPI_REPLY_MAX (16U << 20)
/* No byte moving for this long means the other end is not answering... */
#define UAPI_IDLE_TIMEOUT_MS 3000
/* ...and no exchange, however busy, takes longer than this. */
#define UAPI_TOTAL_TIMEOUT_MS 30000

/* Whether a UAPI socket for ifname exists, that is whether a userspace
 * WireGuard serves it; false for a name wg_check_ifname refuses. */
bool uapi_serves(const char *ifname);

/* The backend's two calls. Both check ifname themselves: "../x" must not
 * reach a socket outside UAPI_SOCKET_DIR. */
int uapi_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN]);
int uapi_set_device(const struct wg_device *dev, char err[ERR_LEN]);

/* Sends req to the stream socket at path and reads one reply (up to
 * UAPI_REPLY_MAX bytes, through the blank line that ends it) into reply,
 * an initialised strbuf that is empty again on failure; strbuf_finish
 * wipes it. ifname names the interface in errors. */
int uapi_exchange(const char *ifname, const char *path, const char *req, size_t reqlen,
		  struct strbuf *reply, int idle_timeout_ms, char err[ERR_LEN]);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The userspace backend of lib/wg.h: the cross-platform configuration
 * protocol (wireguard.com/xplatform) spoken over the stream socket
 * /var/run/wireguard/IF.sock by wireguard-go and boringtun. Text lines
 * "key=value", keys as 64 hex digits, a request ends with a blank line, a
 * reply with "errno=N" and a blank line (wireguard-go sends N negative).
 *
 * The text half (building a request, parsing a reply) is pure and is what
 * the unit tests and the fuzz target drive; the exchange half talks to a
 * socket with bounded waits. All return 0 or -errno and set wg_last_error().
 */
#ifndef KEYGATE_UAPI_H
#define KEYGATE_UAPI_H

#include <stddef.h>

#include "wg/wg.h"

#define UAPI_SOCKET_DIR "/var/run/wireguard"
/* A 5,000-peer device with four allowed IPs each answers about 2.5 MiB. */
#define UAPI_REPLY_MAX (16U << 20)
/* No byte moving for this long means the other end is not answering... */
#define UAPI_IDLE_TIMEOUT_MS 3000
/* ...and no exchange, however busy, takes longer than this. */
#define UAPI_TOTAL_TIMEOUT_MS 30000

/* 0, or -EINVAL with the error set, for a name that cannot be an interface
 * (empty, IFNAMSIZ or longer, spaces or control bytes) or that would lead
 * out of UAPI_SOCKET_DIR ("..", a '/'). lib/wg.c checks every name with it
 * before a backend sees it. */
int uapi_check_ifname(const char *ifname);

/* "set=1\n" ... "\n" for dev (its flags and each peer's flags say what to
 * send). *req is allocated; free it with uapi_request_free, which wipes the
 * keys in it. */
int uapi_request_set(char **req, size_t *len, const struct wg_device *dev);
void uapi_request_free(char **req, size_t len);

/* Where a complete reply ends in buf (the byte after its blank line), or 0
 * while more is needed. */
size_t uapi_reply_end(const char *buf, size_t len);

/* Parses the reply to "get=1". On success *dev is allocated (name set to
 * ifname, the public key derived from the private key). A reply with
 * errno=N != 0 gives -|N|. */
int uapi_parse_get(struct wg_device **dev, const char *ifname, const char *buf, size_t len);
/* Parses the reply to "set=1": 0, -|N| for errno=N, -EPROTO when malformed. */
int uapi_parse_set(const char *ifname, const char *buf, size_t len);

/* Sends req to the stream socket at path and reads one reply (up to
 * UAPI_REPLY_MAX bytes, through the blank line that ends it). *reply is
 * allocated; wipe and free it with uapi_request_free. ifname names the
 * interface in errors. */
int uapi_exchange(const char *ifname, const char *path, const char *req, size_t reqlen,
		  char **reply, size_t *replylen, int idle_timeout_ms);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The text half of the userspace backend (uapi.h): building a "set=1"
 * request and parsing replies, with no I/O, so the unit tests and the fuzz
 * target drive it directly. All return 0 or -errno and on failure leave
 * one line in err.
 */
#ifndef KEYGATE_UAPI_TEXT_H
#define KEYGATE_UAPI_TEXT_H

#include <stddef.h>

#include "base/strbuf.h"
#include "base/text.h"
#include "wg/wg.h"

/* Appends "set=1\n" ... "\n" for dev (its flags and each peer's flags say
 * what to send) to req; strbuf_finish wipes the keys in it. */
int uapi_text_request_set(struct strbuf *req, const struct wg_device *dev, char err[ERR_LEN]);

/* Where a complete reply ends in buf (the byte after its blank line), or 0
 * while more is needed. */
size_t uapi_text_reply_end(const char *buf, size_t len);

/* Parses the reply to "get=1". On success *dev is allocated (name set to
 * ifname, the public key derived from the private key). A reply with
 * errno=N != 0 gives -|N|. */
int uapi_text_parse_get(struct wg_device **dev, const char *ifname, const char *buf, size_t len,
			char err[ERR_LEN]);
/* Parses the reply to "set=1": 0, -|N| for errno=N, -EPROTO when malformed. */
int uapi_text_parse_set(const char *ifname, const char *buf, size_t len, char err[ERR_LEN]);

#endif

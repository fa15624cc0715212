/* SPDX-License-Identifier: ISC */
/*
 * The web page's API bodies, in the network child: one JSON object (json-c,
 * strict) of known keys only, strings and one array of strings, binary
 * fields in base64url, every length capped by common/webmsg.h. What
 * parses becomes a WEB_REQ for the monitor, which checks it all again.
 */
#ifndef VPND_WEBREQ_H
#define VPND_WEBREQ_H

#include <stddef.h>

#include "common/webmsg.h"

#define WEBREQ_BODY_MAX 12288

/* The call of a path "/api/NAME"; 0 for none. */
int webreq_call(const char *path);
/* Fills q's fields from body (q->call and q->src are the caller's); 0 or
 * -EBADMSG. */
int webreq_parse(struct webmsg_req *q, const char *body, size_t len);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * What the kernel sends the kernel backend (wgnl.h): the controller's
 * family reply, acks and GET_DEVICE dumps. The parsers take untrusted
 * bytes and return 0 or -EBADMSG (or the kernel's own error from an error
 * message); they never read past len.
 */
#ifndef KEYGATE_WGNL_PARSE_H
#define KEYGATE_WGNL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wg/wg.h"

/* The family id from the controller's reply; -ENOENT (and the like) when the
 * reply is an error message, -EBADMSG when it is malformed. */
int wgnl_parse_getfamily(const void *buf, size_t len, uint16_t *family);

/*
 * A GET_DEVICE dump arrives in several messages, maybe several per read.
 * Feed each read to wgnl_parse_dump_feed: it returns 0 while more is expected,
 * 1 at NLMSG_DONE, or -errno (the kernel's error from an error message,
 * -EBADMSG for malformed bytes). When interrupted is set at the end, the
 * device changed during the dump: discard it and dump again.
 */
struct wgnl_parse_dump {
	struct wg_device *dev;
	struct wg_peer *last_peer;
	struct wg_allowedip *last_aip;
	uint16_t family;
	bool interrupted;
	bool done;
};
/* 0 or -ENOMEM. */
int wgnl_parse_dump_init(struct wgnl_parse_dump *d, uint16_t family);
int wgnl_parse_dump_feed(struct wgnl_parse_dump *d, const void *buf, size_t len);
/* Frees whatever was parsed; d->dev may be taken (and set NULL) before. */
void wgnl_parse_dump_finish(struct wgnl_parse_dump *d);

/* The error of an NLMSG_ERROR message (0 for an ACK), or -EBADMSG. */
int wgnl_parse_ack(const void *buf, size_t len, uint32_t seq);

#endif

/* SPDX-License-Identifier: ISC */
/* The tunnel addresses of IF.conf: see tunnel_addr.c. */
#ifndef KEYGATE_ENROLL_TUNNEL_ADDR_H
#define KEYGATE_ENROLL_TUNNEL_ADDR_H

#include <stddef.h>

#include "opts.h"
#include "wg/wgq.h"

/* "a/32, b/128" (a reply's addresses or allowed IPs) into the list; 0, or
 * -EINVAL for an empty or unusable list. */
int tunnel_addr_parse(struct wgq_prefix *out, size_t max, size_t *n, const char *list);
/* Makes IF.conf's Address the gateway's list when it lacks one of them
 * (a gateway whose interface got an IPv6 network after the enrollment):
 * 1 when it rewrote the file, 0 when nothing was missing or the file is
 * not one enroll can rewrite (it is left alone), -errno when the write
 * failed. Prints what it did. */
int tunnel_addr_update(const struct enroll_opts *o, const char *list);

#endif

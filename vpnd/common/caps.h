/* SPDX-License-Identifier: ISC */
/*
 * Capability sets, for both drops of privilege: the monitor's (keeps
 * CAP_NET_ADMIN in effect, and CAP_SETUID, CAP_SETGID and CAP_KILL in its
 * permitted set only, monitor/drop.c) and the network child's (keeps none,
 * monitor/drop.c before the exec and netchild/sandbox.c after it). Masks
 * are of the first 32 capabilities, bit n for capability n.
 */
#ifndef VPND_CAPS_H
#define VPND_CAPS_H

#include <stdint.h>

/* The permitted and effective sets now. 0 or -errno. */
int caps_get(uint32_t *permitted, uint32_t *effective);
/* Sets the permitted set to `permitted` and the effective set to
 * `effective` (a subset of it); the inheritable set to none. A set can
 * only shrink, so this also raises a permitted capability into effect
 * and lowers it again. 0 or -errno. */
int caps_set(uint32_t permitted, uint32_t effective);
/* Drops every capability but `keep` from the bounding set. 0 or -errno. */
int caps_bound(uint32_t keep);

#endif

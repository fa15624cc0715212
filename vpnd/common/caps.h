/* SPDX-License-Identifier: ISC */
/*
 * Capability sets, for both drops of privilege: the monitor's (keeps
 * CAP_NET_ADMIN, monitor/drop.c) and the network child's (keeps none,
 * monitor/drop.c before the exec and netchild/sandbox.c after it).
 */
#ifndef VPND_CAPS_H
#define VPND_CAPS_H

#include <stdint.h>

/* Sets the effective and permitted sets to `keep` (a mask of the first 32
 * capabilities), the inheritable set to none. 0 or -errno. */
int caps_set(uint32_t keep);
/* Drops every capability but `keep` from the bounding set. 0 or -errno. */
int caps_bound(uint32_t keep);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The monitor's drop of privileges, and the ids it gives the network child
 * (docs/privsep.md; the child's own sandbox is netchild/sandbox.c).
 *
 * The monitor keeps uid 0 (its state, config and control socket are root's
 * files, reached through owner permissions, not through CAP_DAC_OVERRIDE)
 * but only CAP_NET_ADMIN: the bounding set, ambient and inheritable sets
 * are emptied and SECBIT_NOROOT is locked, so no exec brings root's powers
 * back. Its saved uid and gid are the network child's: that lets a forked
 * child take the child's ids, and the monitor signal its child, without
 * CAP_SETUID or CAP_KILL.
 */
#ifndef VPND_DROP_H
#define VPND_DROP_H

#include <sys/types.h>

/* The child's ids: the user "keygate" if there is one, else "nobody", else
 * 65534. Call before anything is dropped (NSS may read files). */
void drop_child_ids(uid_t *uid, gid_t *gid, const char **name);

/* The monitor's drop, after every privileged start-up step. Started as
 * another user than root it keeps its uid and only narrows its
 * capabilities. 0 or -errno. */
int drop_monitor(uid_t child_uid, gid_t child_gid);

/* Runs fn(arg) with the effective uid of the child (kill permission). */
int drop_as_child(uid_t child_uid, int (*fn)(void *arg), void *arg);

/* In the forked child before it execs itself: the child's ids, no caps. */
int drop_to_child(uid_t uid, gid_t gid);

#endif

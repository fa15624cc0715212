/* SPDX-License-Identifier: ISC */
/*
 * Least privilege for both halves of vpnd (docs/privsep.md).
 *
 * The monitor keeps uid 0 (its state, config and control socket are
 * root's files, reached through owner permissions, not through
 * CAP_DAC_OVERRIDE) but only CAP_NET_ADMIN: the bounding set, ambient and
 * inheritable sets are emptied and SECBIT_NOROOT is locked, so no exec
 * brings root's powers back. Its saved uid and gid are the network
 * child's: that lets a forked child take the child's ids, and the monitor
 * signal its child, without CAP_SETUID or CAP_KILL.
 *
 * The network child: its own uid and gid, no supplementary groups, no
 * capabilities, a user namespace of its own only to chroot into an empty
 * directory, no core dumps, not ptrace-able, rlimits that forbid new files
 * and processes, no_new_privs, and a seccomp allow-list of the system calls
 * its loop makes. Anything else kills it.
 */
#ifndef VPND_SANDBOX_H
#define VPND_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

/* The child's ids: the user "keygate" if there is one, else "nobody", else
 * 65534. Call before anything is dropped (NSS may read files). */
void sandbox_child_ids(uid_t *uid, gid_t *gid, const char **name);

/* The monitor's drop, after every privileged start-up step. Started as
 * another user than root it keeps its uid and only narrows its
 * capabilities. 0 or -errno. */
int sandbox_monitor_drop(uid_t child_uid, gid_t child_gid);

/* Runs fn(arg) with the effective uid of the child (kill permission). */
int sandbox_as_child(uid_t child_uid, int (*fn)(void *arg), void *arg);

/* In the forked child before it execs itself: the child's ids, no caps. */
int sandbox_child_ids_enter(uid_t uid, gid_t gid);

/* In the exec'd child: chroot to the directory open as dir_fd (closed
 * after), limits, no caps, SIGKILL when the parent dies, seccomp. max_fd: the highest fd it keeps
 * using. *chrooted tells whether the chroot happened (it needs user namespaces). 0 or -errno. */
int sandbox_child_enter(int dir_fd, int max_fd, bool *chrooted);

#endif

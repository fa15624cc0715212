/* SPDX-License-Identifier: ISC */
/*
 * The network child's sandbox (docs/privsep.md; the monitor's drop, and the
 * ids it gives the child before the exec, are monitor/drop.c): a user
 * namespace of its own only to chroot into an empty directory, no
 * capabilities, no core dumps, not ptrace-able, rlimits that forbid new
 * files and processes, no_new_privs, and a seccomp allow-list of the system
 * calls its loop makes. Anything else kills it.
 */
#ifndef VPND_SANDBOX_H
#define VPND_SANDBOX_H

#include <stdbool.h>

/* In the exec'd child: chroot to the directory open as dir_fd (closed
 * after), limits, no caps, SIGKILL when the parent dies, seccomp. max_fd:
 * the highest fd it keeps using. *chrooted tells whether the chroot
 * happened (it needs user namespaces). 0 or -errno. */
int sandbox_enter(int dir_fd, int max_fd, bool *chrooted);

#endif

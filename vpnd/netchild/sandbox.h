/* SPDX-License-Identifier: ISC */
/*
 * The network child's sandbox (docs/privsep.md; the monitor's drop, and the
 * ids it gives the child before the exec, are monitor/drop.c): a user
 * namespace of its own only to chroot into an empty directory, no
 * capabilities, no core dumps, not ptrace-able, rlimits that forbid new
 * files and processes, no_new_privs, and a seccomp allow-list of the system
 * calls its loop makes: sends and receives on its two sockets only,
 * signals to itself only, no call that names a path. Anything else kills
 * it.
 */
#ifndef VPND_SANDBOX_H
#define VPND_SANDBOX_H

#include <stdbool.h>

/* In the exec'd child: chroot to the directory open as dir_fd (closed
 * after), limits, no caps, SIGKILL when the parent dies, seccomp. mon_fd
 * and udp_fd: the two sockets, the only descriptors it may send and
 * receive on, and the highest it keeps. *chrooted tells whether the
 * chroot happened (it needs user namespaces). 0 or -errno. */
/* tcp_fd: the first TCP listening socket (the web page's, the mail
 * policies', the metrics'), or -1 with none. With it, the child may accept,
 * and send, receive, set options and shut down on any descriptor from it
 * up (the listeners and their connections: it can open nothing else).
 * max_fd: the highest descriptor it may hold, which bounds the
 * connections at once (docs/privsep.md). */
int sandbox_enter(int dir_fd, int mon_fd, int udp_fd, int tcp_fd, int max_fd, bool *chrooted);

#endif

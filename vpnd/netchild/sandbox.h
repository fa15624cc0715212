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
/* web_fd: the web page's listening socket, or -1. With it, the child may
 * accept on it, and send, receive, set options and shut down on any
 * descriptor above it (the connections: it can open nothing else), and
 * keeps WEBSERVER_CONNS more descriptors (docs/privsep.md). */
int sandbox_enter(int dir_fd, int mon_fd, int udp_fd, int web_fd, bool *chrooted);

#endif

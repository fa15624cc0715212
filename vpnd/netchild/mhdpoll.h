/* SPDX-License-Identifier: ISC */
/*
 * libmicrohttpd in external-select mode, run from the child's poll loop
 * (no threads in the sandbox): the daemon's descriptors as poll entries,
 * and poll's answer handed back as the fd_sets it wants. One copy for the
 * child's HTTP servers (webserver.c, metricsrv.c, mailpolicy.c).
 */
#ifndef VPND_MHDPOLL_H
#define VPND_MHDPOLL_H

#include <poll.h>
#include <stddef.h>

#include <microhttpd.h>

/* Adds d's descriptors to p (room for cap), returns how many, and lowers
 * *timeout_ms to d's own deadline. */
size_t mhdpoll_fds(struct MHD_Daemon *d, struct pollfd *p, size_t cap, int *timeout_ms);
/* Runs d on what poll said of those n descriptors. */
void mhdpoll_run(struct MHD_Daemon *d, const struct pollfd *p, size_t n);

#endif

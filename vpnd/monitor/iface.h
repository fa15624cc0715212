/* SPDX-License-Identifier: ISC */
/* The WireGuard interface at start: fail closed, then configure it. */
#ifndef VPND_IFACE_H
#define VPND_IFACE_H

#include "monitor/daemon.h"

/* Removes every peer without a live session (d->sessions); no interface
 * is no peer. At start, and each second while d->sweep is set. */
int iface_reconcile(struct vpnd *d);
/* Creates the interface if the kernel serves it, sets key, port,
 * addresses, brings it up. */
int iface_setup(struct vpnd *d);
struct wg_peer;
/* Frees a list of peers. */
void iface_free_peers(struct wg_peer *list);

#endif

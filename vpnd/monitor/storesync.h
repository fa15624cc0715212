/* SPDX-License-Identifier: ISC */
/*
 * What the other gateways of a shared store did, applied to this one's
 * interface and kernel sets through the gate (docs/store.md): their
 * sessions opened, extended and ended, and the sessions of keys revoked
 * there. run.c calls these when the store's change log says something
 * changed (LISTEN/NOTIFY) and after a reconnect (a full resync).
 */
#ifndef VPND_STORESYNC_H
#define VPND_STORESYNC_H

#include "monitor/daemon.h"

/* The store's sessions here: opened or extended to the store's deadline
 * (with the laptop's per-session key), and this gateway's sessions the
 * store no longer has ended. */
void storesync_sessions(struct vpnd *d);
/* Ends the sessions opened by keys the registry now has revoked. */
void storesync_revoked(struct vpnd *d);

#endif

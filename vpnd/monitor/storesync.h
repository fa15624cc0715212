/* SPDX-License-Identifier: ISC */
/*
 * What the other gateways of a shared store did, applied to this one's
 * interface and kernel sets through the gate (docs/store.md): their
 * sessions opened, extended and ended, and the sessions of keys revoked
 * there. run.c calls these when the store's change log says something
 * changed (LISTEN/NOTIFY) and after a reconnect (a full resync); ops.c
 * takes an activation's counter through here. Its layer is just above
 * the gate's.
 */
#ifndef VPND_STORESYNC_H
#define VPND_STORESYNC_H

#include "monitor/daemon.h"
#include "monitor/gate.h"
#include "proto/proto.h"

/* The store's sessions here: opened or extended to the store's deadline
 * (with the laptop's per-session key), and this gateway's sessions the
 * store no longer has ended. */
void storesync_sessions(struct vpnd *d);
/* Ends the sessions opened by keys the registry now has revoked. */
void storesync_revoked(struct vpnd *d);

/* An activation's grown counter taken in the store with the session it
 * grants, as the gate will open it, in one statement (daemon.h's
 * daemon_store_counter): on PROTO_OK go->from_store is set, and the gate
 * writes no session row of its own. */
enum proto_err storesync_counter(struct vpnd *d, const struct reg_peer *p, const struct reg_cred *c,
				 uint32_t count, struct gate_open *go);
/* The session storesync_counter wrote, taken back (the gate could not
 * open it here). */
void storesync_retract(struct vpnd *d, const struct reg_peer *p);

#endif

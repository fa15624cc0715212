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

/* One activation's grown counter, to be taken in the store with the
 * session it grants, as the gate will open it. */
struct storesync_take {
	const struct reg_peer *p;
	const struct reg_cred *c;
	uint32_t count;
	struct gate_open *go; /* out: from_store set when taken */
	enum proto_err e;     /* out: PROTO_OK, COUNTER_REGRESSED (another gateway took
			       * it or a later one first), STORE_UNAVAILABLE */
};
/* A loop turn's activations, their counters and sessions taken in one
 * transaction (dbstore_counters): each its own verdict, except that the
 * store failing refuses them all (nothing was written). On PROTO_OK the
 * gate writes no session row of its own. */
void storesync_counters(struct vpnd *d, struct storesync_take *t, size_t n);
/* The session storesync_counters wrote, taken back (the gate could not
 * open it here). */
void storesync_retract(struct vpnd *d, const struct reg_peer *p);

/* Lockouts on every gateway: the locks taken and ended here since the
 * last call written to the store (each with a change-log row), then, when
 * kinds says another gateway changed one (or after a connect), the
 * store's locks applied here with their deadlines. Each loop turn of
 * activations and each tick of the store's timer. */
void storesync_lockouts(struct vpnd *d, unsigned kinds);

#endif

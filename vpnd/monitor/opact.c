/* SPDX-License-Identifier: ISC */
/* The activation in two halves (opact.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "monitor/dbstore.h"
#include "monitor/opact.h"
#include "monitor/ops.h"
#include "monitor/storesync.h"
#include "monitor/verify.h"
#include "state/journal.h"

/* The counter's record and the session, pending in the journal. */
static void open_half(struct vpnd *d, struct opact *a)
{
	char err[ERR_LEN];

	if (a->count != a->prev)
		journal_counter(&d->journal, a->p->owner, a->c);
	if (gate_session_open_begin(d, a->p, &a->g, &a->go, err) < 0) {
		log_error("activation of '%s': %s", a->p->name, err);
		/* Refused before the journal: the counter still goes there,
		 * as the key did count the assertion. */
		a->open_failed = true;
	}
}

int opact_begin(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep, struct opact *a)
{
	const uint8_t *src = o->src;
	struct reg_peer *p = ops_target(d, &o->req);
	enum proto_err e;
	uint32_t count = 0;
	bool own;

	memset(a, 0, sizeof(*a));
	if (ops_malformed(d, o, rep))
		return 0;
	/* Before the registry is asked: after a start with the store down
	 * it knows no peer, and "not enrolled" would be wrong. */
	if ((e = daemon_store_ready(d)) != PROTO_OK)
		return ops_refuse(rep, e, "activate", p != NULL ? p->name : NULL, src);
	if (p == NULL || !p->has_key)
		return ops_refuse(rep, PROTO_ERR_NOT_ENROLLED, "activate", NULL, src);
	if (p->disabled)
		return ops_refuse(rep, PROTO_ERR_PEER_DISABLED, "activate", p->name, src);
	/* The device itself, proven by its key: a fresh PSK for this session. */
	own = o->has_static && sodium_memcmp(o->static_pub, p->key, KEY_LEN) == 0;
	/* A laptop gets its PSK only from its own request; opened from
	 * elsewhere it would be on the interface without one. */
	if (p->kind == REG_LAPTOP && !own)
		return ops_refuse(rep, PROTO_ERR_NOT_PERMITTED, "activate", p->name, src);
	e = verify_assertion(d, o, p, "activate", NULL, rep, &a->c, &count);
	if (e != PROTO_OK)
		return ops_refuse(rep, e, "activate", p->name, src);
	a->p = p;
	memcpy(a->src, src, sizeof(a->src));
	/* The grown counter on disk before anything is opened with it: a
	 * counter that came back after a restart would take a cloned key's
	 * older assertions again. Its record goes to the journal with the
	 * session's. */
	a->prev = a->c->counter;
	a->go.uid = (uid_t)-1;
	if (p->kind == REG_LAPTOP) {
		key_generate_preshared(a->psk);
		a->go.psk = a->psk;
	}
	snprintf(a->by, sizeof(a->by), "key:%s", a->c->id);
	a->go.by = a->by;
	/* In memory at once: a replay of it later in this batch meets it. */
	if (count != a->prev)
		registry_cred_set_counter(d->reg, a->c, count);
	a->count = count;
	/* Several gateways: the store says which of them takes this counter
	 * before any of them grants with it, for the whole batch at once
	 * (opact_take). */
	if (d->store == NULL)
		open_half(d, a);
	return 1;
}

void opact_take(struct vpnd *d, struct opact *const *v, size_t n)
{
	struct storesync_take t[DBSTORE_BATCH];
	size_t idx[DBSTORE_BATCH], m = 0;
	bool down = n > DBSTORE_BATCH;

	for (size_t i = 0; !down && i < n; i++)
		if (v[i]->count != v[i]->prev) {
			t[m] = (struct storesync_take){
				.p = v[i]->p, .c = v[i]->c, .count = v[i]->count, .go = &v[i]->go};
			idx[m++] = i;
		}
	if (m > 0)
		storesync_counters(d, t, m);
	for (size_t j = 0; j < m; j++) {
		v[idx[j]]->refused = t[j].e;
		down = down || t[j].e == PROTO_ERR_STORE_UNAVAILABLE;
	}
	/* The store failed in the middle: nothing of the batch was written
	 * there, and nothing of it is granted. */
	if (down) {
		for (size_t i = n; i-- > 0;) {
			v[i]->refused = PROTO_ERR_STORE_UNAVAILABLE;
			registry_cred_set_counter(d->reg, v[i]->c, v[i]->prev);
		}
		return;
	}
	/* A counter refused there stays in memory: the store has it or a
	 * later one, so nothing below it can be granted anywhere. */
	for (size_t i = 0; i < n; i++)
		if (v[i]->refused == PROTO_OK)
			open_half(d, v[i]);
}

void opact_end(struct vpnd *d, struct opact *a, int committed, struct proto_reply *rep)
{
	struct session *s = NULL;
	char err[ERR_LEN];
	int ret = 0;

	if (a->refused != PROTO_OK) {
		ops_refuse(rep, a->refused, "activate", a->p->name, a->src);
		sodium_memzero(a, sizeof(*a));
		return;
	}
	if (!a->open_failed) {
		ret = gate_session_open_finish(d, &a->g, &a->go, committed, &s, err);
		if (ret < 0)
			log_error("activation of '%s': %s", a->p->name, err);
	}
	/* Not granted: the session the store took with the counter goes
	 * again (the counter stays taken). Not an extension's: the row was
	 * a live session before, which the other gateways keep (with the
	 * longer window it now has; this one takes it at its next resync,
	 * or has ended it and keeps it ended: storesync.c). */
	if (a->go.from_store && !a->g.had && (committed < 0 || a->open_failed || ret < 0))
		storesync_retract(d, a->p);
	if (committed < 0) {
		registry_cred_set_counter(d->reg, a->c, a->prev);
		ops_refuse(rep, PROTO_ERR_STATE_NOT_SAVED, "activate", a->p->name, a->src);
	} else if (a->open_failed || ret < 0) {
		ops_refuse(rep, PROTO_ERR_INTERNAL, "activate", a->p->name, a->src);
	} else {
		rep->status = PROTO_OK;
		ops_fill_session(rep, a->p, s);
		if (a->go.psk != NULL) {
			rep->fields |= PROTO_REP_PSK;
			memcpy(rep->psk, a->psk, KEY_LEN);
		}
	}
	sodium_memzero(a, sizeof(*a));
}

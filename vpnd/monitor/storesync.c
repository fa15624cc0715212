/* SPDX-License-Identifier: ISC */
/* Another gateway's changes applied here (storesync.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/duration.h"
#include "base/log.h"
#include "monitor/dbstore.h"
#include "monitor/ends.h"
#include "monitor/gate.h"
#include "monitor/lockout.h"
#include "monitor/storesync.h"
#include "store/pgstore.h"

/* A deadline this close to the store's is the same one: wall seconds on
 * one side, boot-clock nanoseconds on the other. */
#define SAME_DEADLINE_NS (2 * NS_PER_SEC)

static const void *row_key(const void *obj, size_t *len)
{
	const struct pgstore_session *r = obj;

	*len = strlen(r->peer);
	return r->peer;
}

static void apply_row(struct vpnd *d, const struct pgstore_session *r, uint64_t now,
		      int64_t now_wall)
{
	struct reg_peer *p = registry_peer_find(d->reg, r->peer);
	struct gate_open go = {.by = r->by, .uid = (uid_t)-1, .from_store = true};
	uint8_t psk[KEY_LEN];
	struct session *s;
	uint64_t target;
	size_t len = 0;
	char err[ERR_LEN];

	const struct end_note *n = ends_find(d->ends, r->peer);

	if (r->bad || r->until_wall <= now_wall || p == NULL || p->disabled || !p->has_key)
		return;
	/* No window is longer than a duration can be: a row further out is a
	 * bug or a hand edit (a deadline in milliseconds, say), and would
	 * wrap the gate's nanoseconds. It opens nothing. */
	if (r->until_wall - now_wall > (int64_t)DURATION_MAX + LOCKOUT_SKEW) {
		log_warn("session of '%s' in the store ends in %" PRId64 " s, longer than any "
			 "window; not applied",
			 r->peer, r->until_wall - now_wall);
		return;
	}
	/* A window this gateway ended (idle here, an extension that failed
	 * here) stays ended here: only a new one, or another gateway's
	 * extension of it, comes back. */
	if (n != NULL && n->until_wall != 0 &&
	    (n->until_wall > r->until_wall
		     ? n->until_wall - r->until_wall
		     : r->until_wall - n->until_wall) <= (int64_t)(SAME_DEADLINE_NS / NS_PER_SEC))
		return;
	target = now + (uint64_t)(r->until_wall - now_wall) * NS_PER_SEC;
	s = session_find(&d->sessions, p->name);
	if (s != NULL &&
	    (s->until_ns > target ? s->until_ns - target : target - s->until_ns) < SAME_DEADLINE_NS)
		return;
	if (r->psk[0] != '\0') {
		if (sodium_base642bin(psk, sizeof(psk), r->psk, strlen(r->psk), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    len != KEY_LEN) {
			log_warn("session of '%s' in the store: a bad preshared key; not applied",
				 r->peer);
			return;
		}
		go.psk = psk;
	}
	go.window = (uint64_t)(r->until_wall - now_wall);
	if (gate_session_open(d, p, &go, NULL, err) < 0)
		log_error("session of '%s' from the store: %s", r->peer, err);
	sodium_memzero(psk, sizeof(psk));
}

void storesync_sessions(struct vpnd *d)
{
	struct pgstore_session *rows = NULL;
	int64_t now_wall = clock_wall();
	uint64_t now = clock_boot_ns();
	char err[ERR_LEN];
	struct htab h;
	size_t n = 0;

	if (dbstore_sessions(d->store, &rows, &n, err) < 0) {
		log_warn("%s", err);
		return;
	}
	htab_init(&h, row_key);
	if (htab_reserve(&h, n) < 0) {
		free(rows);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		htab_insert(&h, &rows[i]);
		apply_row(d, &rows[i], now, now_wall);
	}
	/* Ended on another gateway (killed, down, disabled there). */
	for (size_t i = 0; i < d->sessions.n;) {
		struct session *s = d->sessions.heap[i];

		if (htab_find(&h, s->name, strlen(s->name)) == NULL)
			gate_session_end(d, s, "ended-elsewhere", GATE_BY_STORE);
		else
			i++;
	}
	htab_finish(&h);
	free(rows);
}

void storesync_revoked(struct vpnd *d)
{
	for (size_t i = 0; i < d->sessions.n;) {
		struct session *s = d->sessions.heap[i];
		const struct reg_owner *o = registry_owner_find(d->reg, s->owner);
		const struct reg_cred *c = NULL;

		if (o != NULL && strncmp(s->by, "key:", 4) == 0)
			c = registry_cred_find(o, s->by + 4);
		if (c != NULL && c->revoked)
			gate_session_end(d, s, "revoked", GATE_BY_STORE);
		else
			i++;
	}
}

/* The session an activation grants, as the gate will open it. */
static void take_session(struct vpnd *d, const struct storesync_take *t, struct session *s)
{
	const uint8_t *psk = t->go->psk != NULL ? t->go->psk : t->p->psk;

	*s = (struct session){.until_wall = clock_wall() + (int64_t)gate_peer_window(d, t->p),
			      .idle_ns = gate_peer_idle(d, t->p) * NS_PER_SEC};
	snprintf(s->name, sizeof(s->name), "%s", t->p->name);
	snprintf(s->by, sizeof(s->by), "%s", t->go->by);
	if (psk != NULL) {
		memcpy(s->psk, psk, KEY_LEN);
		s->has_psk = true;
	}
}

void storesync_counters(struct vpnd *d, struct storesync_take *t, size_t n)
{
	struct session s[DBSTORE_BATCH];
	struct dbstore_take dt[DBSTORE_BATCH];
	char err[ERR_LEN];
	int ret;

	if (n > DBSTORE_BATCH) {
		for (size_t i = 0; i < n; i++)
			t[i].e = PROTO_ERR_INTERNAL;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		take_session(d, &t[i], &s[i]);
		dt[i] = (struct dbstore_take){.owner = t[i].p->owner->name,
					      .id = t[i].c->id,
					      .counter = t[i].count,
					      .s = &s[i]};
	}
	ret = dbstore_counters(d->store, dt, n, err);
	sodium_memzero(s, sizeof(s));
	if (ret < 0)
		log_error("%zu activation%s refused: %s", n, n == 1 ? "" : "s", err);
	for (size_t i = 0; i < n; i++) {
		t[i].e = ret < 0     ? PROTO_ERR_STORE_UNAVAILABLE
			 : dt[i].won ? PROTO_OK
				     : PROTO_ERR_COUNTER_REGRESSED;
		t[i].go->from_store = t[i].e == PROTO_OK;
		if (ret == 0 && !dt[i].won)
			log_warn("key %s of '%s': counter %u was taken on another gateway first",
				 t[i].c->id, t[i].p->owner->name, t[i].count);
	}
}

void storesync_retract(struct vpnd *d, const struct reg_peer *p)
{
	dbstore_session_end(d->store, p->name);
}

_Static_assert(SESSION_BY_LEN > PGSTORE_BY_MAX, "who opened a session in the store fits");
_Static_assert(sizeof(((struct pgstore_lockout *)0)->owner) >=
		       sizeof(((struct lockout_note *)0)->owner),
	       "an owner's name fits");
_Static_assert(sizeof(((struct pgstore_lockout *)0)->id) >=
		       sizeof(((struct lockout_note *)0)->cred),
	       "a key ID fits");

void storesync_lockouts(struct vpnd *d, unsigned kinds)
{
	struct lockout_note notes[LOCKOUT_NOTES];
	struct pgstore_lockout *rows = NULL, lk;
	const struct pgstore_lockout *unlocks;
	int64_t now_wall = clock_wall();
	uint64_t now = clock_boot_ns() / NS_PER_SEC;
	size_t n, done = 0;
	char err[ERR_LEN];

	if (d->store == NULL || d->lockout == NULL || !dbstore_online(d->store))
		return;
	/* Ours first: a lock taken here is not undone by an older row. */
	n = lockout_notes(d->lockout, notes, LOCKOUT_NOTES);
	for (; done < n; done++) {
		const struct lockout_note *ln = &notes[done];

		/* A lock that ended before the store heard of it is dropped:
		 * written late, it would read as an unlock of another
		 * gateway's newer lock. Only the admin's unlock writes 0. */
		if (ln->until != 0 && ln->until <= now)
			continue;
		lk = (struct pgstore_lockout){
			.until_wall = ln->until != 0 ? now_wall + (int64_t)(ln->until - now) : 0};
		memcpy(lk.owner, ln->owner, sizeof(ln->owner));
		memcpy(lk.id, ln->cred, sizeof(ln->cred));
		if (dbstore_lockout_put(d->store, &lk, err) < 0) {
			log_warn("the lock of key %s of '%s' is not in the store yet: %s", ln->cred,
				 ln->owner, err);
			break;
		}
	}
	lockout_notes_done(d->lockout, done);
	if (done < n || (!(kinds & PGSTORE_CHANGED_LOCKOUTS) && !dbstore_lockouts_due(d->store) &&
			 dbstore_unlocks(d->store, &unlocks) == 0))
		return;
	if (dbstore_lockouts(d->store, &rows, &n, err) < 0) {
		log_warn("%s", err);
		return;
	}
	/* The admin's unlocks, each of the key its change-log row names, and
	 * before the rows: a lock taken since (here, and written first
	 * above, or on another gateway) is in its row, and holds again
	 * below. A row of 0 no unlock names is an old unlock, and a row
	 * whose end is past merely ended: neither undoes a lock taken here
	 * since. */
	for (size_t i = 0, m = dbstore_unlocks(d->store, &unlocks); i < m; i++)
		lockout_apply(d->lockout, unlocks[i].owner, unlocks[i].id, 0, now);
	dbstore_unlocks_done(d->store);
	for (size_t i = 0; i < n; i++) {
		const struct pgstore_lockout *r = &rows[i];
		bool far;
		uint64_t until = lockout_deadline(r->until_wall, now_wall, now, &far);

		if (until == 0)
			continue;
		if (far) {
			struct pgstore_lockout cut = *r;

			log_warn("the lock of key %s of '%s' in the store ends in %" PRId64
				 " s, longer than a lock lasts (a wrong clock, or an edited row):"
				 " held here for %d s, and cut so in the store",
				 r->id, r->owner, r->until_wall - now_wall,
				 LOCKOUT_TIME + LOCKOUT_SKEW);
			/* Cut in the store too, or every later read would
			 * hold it for as long again. */
			cut.until_wall = now_wall + LOCKOUT_TIME + LOCKOUT_SKEW;
			if (dbstore_lockout_cut(d->store, &cut, err) < 0)
				log_warn("%s", err);
		}
		lockout_apply(d->lockout, r->owner, r->id, until, now);
	}
	free(rows);
}

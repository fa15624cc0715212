/* SPDX-License-Identifier: ISC */
/*
 * The monitor's side of [Store] Type = postgresql (docs/store.md): the
 * connection, whether it is up, and the registry's files as the store last
 * had them. The state directory stays this gateway's working copy (its
 * journal, sessions and lock); the store is the truth the gateways share:
 * pulled into the files before each load, each change pushed as what
 * changed since, and a sign counter taken in the store before an
 * activation is granted. While the store is down nothing new is granted
 * ("store unavailable"); sessions already open end on time from the
 * gateway's own timer.
 */
#ifndef VPND_DBSTORE_H
#define VPND_DBSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/text.h"
#include "gateway/conf.h"
#include "state/registry.h"

struct dbstore;

/* Connects and checks the schema. A store that does not answer is no
 * error: *out is made, offline, and err says why (the caller starts
 * fail-closed). A schema of another version is (-EPROTO): the admin runs
 * `vpnd store migrate`. */
int dbstore_open(struct dbstore **out, const struct conf *c, char err[ERR_LEN]);
void dbstore_close(struct dbstore **db);
bool dbstore_online(const struct dbstore *db);
/* Why it is offline, for the log. */
const char *dbstore_why(const struct dbstore *db);
/* One attempt to reconnect (at most one a second): true when it is up now
 * and was not before. */
bool dbstore_reconnect(struct dbstore *db, int64_t now_s);
/* The store's registry into the files of dir, remembered as what the
 * store has; -ENOTCONN while offline. */
int dbstore_pull(struct dbstore *db, const char *dir, char err[ERR_LEN]);
/* What changed in r since the last pull or push, into the store. On
 * failure nothing was written there, and a later push carries it along. */
int dbstore_push(struct dbstore *db, const struct registry *r, char err[ERR_LEN]);
/* Takes a grown sign counter in the store, and with s the session it
 * grants (see dbstore_session_put): 0 with *won, or -errno while offline
 * (err "store unavailable: ..."). */
struct session;
int dbstore_counter(struct dbstore *db, const char *owner, const char *id, uint32_t counter,
		    const struct session *s, bool *won, char err[ERR_LEN]);
/* The same for a batch of activations (one loop turn's), in one
 * transaction and one round trip, each take on its own condition: 0 with
 * each won, or -errno with none won and nothing written (offline, or the
 * store failed in the middle). At most DBSTORE_BATCH. */
#define DBSTORE_BATCH 64
struct dbstore_take {
	const char *owner, *id;
	uint32_t counter;
	const struct session *s; /* the session it grants, or NULL */
	bool won;                /* out */
};
int dbstore_counters(struct dbstore *db, struct dbstore_take *t, size_t n, char err[ERR_LEN]);

/* Sessions: this gateway's opens, extensions and ends, for the others.
 * While offline (or when a write fails) the session's name is kept, and
 * dbstore_flush writes what this gateway has for it once the store is
 * back, before the resync reads the store's: a kill during an outage is
 * not undone by it. */
struct session;
struct pgstore_session;
void dbstore_session_put(struct dbstore *db, const struct session *s);
void dbstore_session_end(struct dbstore *db, const char *peer);
struct sessions;
void dbstore_flush(struct dbstore *db, const struct sessions *ss);
/* Every session in the store; free *out. */
int dbstore_sessions(struct dbstore *db, struct pgstore_session **out, size_t *n,
		     char err[ERR_LEN]);
/* What the other gateways changed since the last call (PGSTORE_CHANGED_*
 * bits), without blocking; 0 while offline (a lost connection goes
 * offline here). After a reconnect this did not see (inside a failed
 * batch), every bit but UNLOCKS: the caller reads it all again. */
unsigned dbstore_poll(struct dbstore *db);

/* Lockouts shared by the gateways: one lock (or unlock) written, and
 * every lock read (free *out). Read once after each connect at least:
 * dbstore_lockouts_due says it is owed. */
struct pgstore_lockout;
int dbstore_lockout_put(struct dbstore *db, const struct pgstore_lockout *lk, char err[ERR_LEN]);
/* pgstore_lockout_cut, when online. */
int dbstore_lockout_cut(struct dbstore *db, const struct pgstore_lockout *lk, char err[ERR_LEN]);
int dbstore_lockouts(struct dbstore *db, struct pgstore_lockout **out, size_t *n,
		     char err[ERR_LEN]);
bool dbstore_lockouts_due(const struct dbstore *db);
/* The keys the admin unlocked on other gateways, as their change-log rows
 * name them, heard by dbstore_poll and not yet marked applied: only these
 * are unlocked here (a row of deadline 0 that no unlock names is an old
 * one, and unlocks nothing). Kept across a reconnect, and until done. */
#define DBSTORE_UNLOCKS 64
size_t dbstore_unlocks(const struct dbstore *db, const struct pgstore_lockout **out);
void dbstore_unlocks_done(struct dbstore *db);

#endif

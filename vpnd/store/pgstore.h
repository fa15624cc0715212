/* SPDX-License-Identifier: ISC */
/*
 * The PostgreSQL store ([Store] Type = postgresql, docs/store.md): the
 * registry of several gateways in one database. The plain files stay the
 * data model: each owner, key, peer and code is a row whose `line` is that
 * record's line in the registry file (docs/registry.md), so a field added
 * to the files needs no migration. What gateways must advance together is
 * in real columns besides: a key's sign counter and a code's spent flag,
 * changed only by conditional updates that one gateway wins.
 *
 * Only the monitor links this; the network child never calls it.
 *
 * One module in several files: pgstore.c (the connection, the schema and
 * its migrations), pgstore_io.c (import and export: files <-> rows),
 * pgstore_sync.c (a running gateway's registry writes), pgstore_take.c
 * (the counters an activation batch takes), pgstore_sess.c (sessions, lockouts, the change log's
 * NOTIFYs), pgstore_parse.c (rows and notifications parsed strictly, in every build),
 * pgstore_none.c (what a build without libpq has instead).
 */
#ifndef KEYGATE_PGSTORE_H
#define KEYGATE_PGSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "base/text.h"

/* The schema's version this vpnd runs on: the last migration it has. */
#define PGSTORE_SCHEMA 1

struct pgstore;

/* Whether this vpnd was built with libpq. */
bool pgstore_available(void);

/* Connects with a libpq connection string; err says why not (the server's
 * or libpq's words, never the string, which may name a password file). */
int pgstore_open(struct pgstore **out, const char *conninfo, char err[ERR_LEN]);
void pgstore_close(struct pgstore **s);
/* The schema version the database has (0: none yet). */
int pgstore_version(struct pgstore *s, int *version, char err[ERR_LEN]);
/* Brings the schema to PGSTORE_SCHEMA, one migration after another, each
 * in the transaction that records it, under a lock two gateways cannot
 * both hold; *from and *to say what it did. A database newer than this
 * vpnd is refused (-EPROTO). */
int pgstore_migrate(struct pgstore *s, int *from, int *to, char err[ERR_LEN]);
/* Refuses (-EPROTO, err saying to run `vpnd store migrate`) unless the
 * schema is PGSTORE_SCHEMA. */
int pgstore_check_schema(struct pgstore *s, char err[ERR_LEN]);

/* pgstore_io.c: the three registry files (owners, peers, codes, in that
 * order), as text. */
#define PGSTORE_FILES 3

/* Puts the files' records in the database in one transaction: each owner,
 * key, peer and code a row, comments kept. The texts must parse (the
 * caller checked with registry_parse). A database that holds owners or
 * peers already is refused (-EEXIST) unless replace. */
int pgstore_import(struct pgstore *s, const char *const text[PGSTORE_FILES],
		   const size_t len[PGSTORE_FILES], bool replace, char err[ERR_LEN]);
/* The files as the database has them, in one snapshot: the lines as
 * imported or last written, each key's counter from its column, spent
 * codes left out, and `end N` counted again. Byte for byte what was
 * imported, while nothing changed. */
int pgstore_export(struct pgstore *s, struct strbuf out[PGSTORE_FILES], char err[ERR_LEN]);

/* pgstore_sync.c: a running gateway's writes. */

/* Writes what changed between two texts of the files (was: what the store
 * had, as this gateway last saw it; now: the registry's), in one
 * transaction: new and changed records upserted, gone ones deleted, and
 * a code gone here spent only if no other gateway spent it first
 * (-ESTALE, nothing written). A file whose two pointers are equal is
 * skipped. A change-log row tells the other gateways. */
int pgstore_push(struct pgstore *s, const char *gateway, const char *const was[PGSTORE_FILES],
		 const size_t was_len[PGSTORE_FILES], const char *const now[PGSTORE_FILES],
		 const size_t now_len[PGSTORE_FILES], char err[ERR_LEN]);
/* pgstore_sess.c: sessions, and what the other gateways changed. */

/* A session as the store has it: its window's end (wall clock), its idle
 * timeout (s), who opened it, and a laptop's per-session preshared key
 * (base64, or ""), which every gateway must put on its interface. */
#define PGSTORE_BY_MAX 47 /* what a session's `by` holds (state/session.h) */
struct pgstore_session {
	char peer[64];
	int64_t until_wall;
	int64_t idle;
	char by[64];
	char psk[48];
	/* pgstore_sessions: a row of this peer is in the store but did not
	 * parse (warned); only peer is set. The gateway neither applies it
	 * nor ends its own session of the peer for want of a row. */
	bool bad;
};

/* One activation's grown sign counter, and ps (or NULL) the session it
 * grants, written only if the counter is taken. */
struct pgstore_take {
	const char *owner, *id;
	uint32_t counter;
	const struct pgstore_session *ps;
	bool won; /* out: this call took the counter (exactly one gateway does) */
};

/* pgstore_take.c: advances each take's sign counter to its counter if it
 * is below, all n in one transaction and one round trip (the counters
 * sent in the order of (owner, key ID), then the sessions of those won in
 * the order of their peer, whatever t's order), each row on its own
 * condition:
 * a take refused there (another gateway had this counter or a later one)
 * is won = false and the others go on. -EIO when the transaction failed
 * (the store gone, an error): then none won, nothing was written. */
int pgstore_counters(struct pgstore *s, const char *gateway, struct pgstore_take *t, size_t n,
		     char err[ERR_LEN]);
int pgstore_session_put(struct pgstore *s, const char *gateway, const struct pgstore_session *ps,
			char err[ERR_LEN]);
int pgstore_session_end(struct pgstore *s, const char *gateway, const char *peer,
			char err[ERR_LEN]);
/* Every session in the store (free *out). A row that does not parse
 * (pgstore_session_parse) is skipped with a warning naming it and what is
 * wrong; one of a peer name the registry could hold is kept as bad. */
int pgstore_sessions(struct pgstore *s, struct pgstore_session **out, size_t *n, char err[ERR_LEN]);
/* A credential's lock as the store has it: until (wall clock) it is
 * locked on every gateway; a row whose end is past (0: the admin's
 * unlock) locks nothing. */
#define PGSTORE_OWNER_MAX  64
#define PGSTORE_KEY_ID_MAX 32
struct pgstore_lockout {
	char owner[PGSTORE_OWNER_MAX + 1];
	char id[PGSTORE_KEY_ID_MAX + 1];
	int64_t until_wall;
};
/* Writes a lock with its change-log row ('lockout'): the later of the
 * row's deadline and this one stays. With until_wall 0 the admin's
 * unlock: the row's deadline becomes 0 (change-log kind 'unlock'). */
int pgstore_lockout_put(struct pgstore *s, const char *gateway, const struct pgstore_lockout *lk,
			char err[ERR_LEN]);
/* Cuts a lock's deadline to lk->until_wall when it is later (a row a
 * wrong clock or a hand wrote far ahead), with no change-log row: every
 * gateway cuts it alike when it reads it. */
int pgstore_lockout_cut(struct pgstore *s, const struct pgstore_lockout *lk, char err[ERR_LEN]);
/* Every lock in the store that parses (free *out); any other row is
 * skipped with a warning. */
int pgstore_lockouts(struct pgstore *s, struct pgstore_lockout **out, size_t *n, char err[ERR_LEN]);
/* pgstore_parse.c: the store's rows and notifications, strictly, in
 * every build (with or without libpq): the fuzz target calls them. Each
 * leaves its output untouched on -EINVAL, and err names the row (its name
 * quoted, unprintable bytes as '?') and what is wrong with it.
 *
 * A lockout row's text fields: an owner name as the registry takes it, a
 * key ID of 8 to 32 lowercase hex digits, and a deadline of decimal
 * digits from 0 to 2^62. */
int pgstore_lockout_parse(struct pgstore_lockout *lk, const char *owner, const char *id,
			  const char *until, char err[ERR_LEN]);
/* A session row's: a peer name as the registry takes it, a deadline as
 * above, an idle timeout of decimal seconds up to DURATION_MAX, who
 * opened it (a name, or two joined by ':', at most PGSTORE_BY_MAX
 * characters) and a preshared key of 32 bytes in padded base64 or "" (its
 * value is never quoted). */
int pgstore_session_parse(struct pgstore_session *ps, const char *peer, const char *until,
			  const char *idle, const char *by, const char *psk, char err[ERR_LEN]);
/* One NOTIFY of the change log, "SEQ GATEWAY KIND NAME": *kinds is its
 * PGSTORE_CHANGED_* bits (0 for gateway's own change, applied already),
 * and for an 'unlock' *unlock is the key NAME ("OWNER KEYID") names, its
 * deadline 0. -EINVAL for a payload not of that form (*kinds 0) or an
 * unlock of a name no key could have (*kinds then says to read the
 * lockouts, and nothing is unlocked). */
int pgstore_notify_parse(const char *payload, const char *gateway, unsigned *kinds,
			 struct pgstore_lockout *unlock, char err[ERR_LEN]);

/* LISTEN to the change log (again after each reconnect). */
int pgstore_listen(struct pgstore *s, char err[ERR_LEN]);
#define PGSTORE_CHANGED_REGISTRY 1U
#define PGSTORE_CHANGED_SESSIONS 2U
#define PGSTORE_CHANGED_LOCKOUTS 4U
/* An admin's unlock (with PGSTORE_CHANGED_LOCKOUTS): the keys its change
 * rows name are unlocked, and only those; a row of until_wall 0 or past
 * unlocks nothing by itself. */
#define PGSTORE_CHANGED_UNLOCKS 8U
/* Reads what arrived without blocking: *kinds says what other gateways
 * changed since the last call, and the keys their unlocks name are added
 * to unlocks[*n_unlocks..cap) (one already there is not added again; one
 * beyond cap is left out with a warning: it stays locked here until its
 * lock ends). A notification that does not parse is warned about and
 * dropped. -ECONNRESET when the connection is gone. */
int pgstore_poll(struct pgstore *s, const char *gateway, unsigned *kinds,
		 struct pgstore_lockout *unlocks, size_t cap, size_t *n_unlocks, char err[ERR_LEN]);

/* Whether the connection is up, and one attempt to bring it back. */
bool pgstore_connected(struct pgstore *s);
int pgstore_reconnect(struct pgstore *s, char err[ERR_LEN]);
/* Counts the reconnects, those a failed batch makes on its own too: a
 * caller that sees it change missed what the change log said meanwhile. */
unsigned pgstore_generation(const struct pgstore *s);

#endif

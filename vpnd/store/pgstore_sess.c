/* SPDX-License-Identifier: ISC */
/* Sessions in the store, and the change log's NOTIFYs (pgstore.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "store/pgstore_int.h"

/* A statement with parameters and its change-log row (one statement with
 * a CTE: all or nothing), committed without waiting for the server's disk.
 * A session row is no promise: a server crash that loses the last ones
 * leaves those sessions open on the gateways that have them, and the
 * others do not open them; what must never go back, a sign counter, is
 * committed with the server's default (pgstore_counters). An activation
 * then waits for one flush of the store's log, not two. */
static int exec_params(struct pgstore *s, const char *sql, int n, const char *const *v,
		       const char *what, char err[ERR_LEN])
{
	PGresult *res;
	ExecStatusType st;
	int ret;

	ret = pgstore_exec(s, "BEGIN; SET LOCAL synchronous_commit = off", what, err);
	if (ret < 0)
		return ret;
	res = PQexecParams(s->conn, sql, n, NULL, v, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, what, err);
		ret = -EIO;
	}
	PQclear(res);
	if (ret == 0)
		return pgstore_exec(s, "COMMIT", what, err);
	{
		char junk[ERR_LEN];

		pgstore_exec(s, "ROLLBACK", "rollback", junk);
	}
	return ret;
}

int pgstore_session_put(struct pgstore *s, const char *gateway, const struct pgstore_session *ps,
			char err[ERR_LEN])
{
	char until[24], idle[24];
	const char *v[6] = {ps->peer, until,   idle,
			    ps->by,   gateway, ps->psk[0] != '\0' ? ps->psk : NULL};

	snprintf(until, sizeof(until), "%" PRId64, ps->until_wall);
	snprintf(idle, sizeof(idle), "%" PRId64, ps->idle);
	return exec_params(
		s,
		"WITH u AS (INSERT INTO sessions (peer, until_wall, idle, by, gateway, psk)"
		" VALUES ($1, $2::bigint, $3::bigint, $4, $5, $6) ON CONFLICT (peer) DO"
		" UPDATE SET until_wall = EXCLUDED.until_wall, idle = EXCLUDED.idle,"
		" by = EXCLUDED.by, gateway = EXCLUDED.gateway, psk = EXCLUDED.psk"
		" RETURNING peer) INSERT INTO changes (gateway, kind, name)"
		" SELECT $5, 'session', peer FROM u",
		6, v, "cannot write the session to the store", err);
}

int pgstore_session_end(struct pgstore *s, const char *gateway, const char *peer, char err[ERR_LEN])
{
	const char *v[2] = {peer, gateway};

	return exec_params(
		s,
		"WITH d AS (DELETE FROM sessions WHERE peer = $1 RETURNING peer)"
		" INSERT INTO changes (gateway, kind, name) SELECT $2, 'end', peer FROM d",
		2, v, "cannot end the session in the store", err);
}

int pgstore_sessions(struct pgstore *s, struct pgstore_session **out, size_t *n, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, "SELECT peer, until_wall, idle, by, coalesce(psk, '')"
					" FROM sessions");
	struct pgstore_session *v;
	char why[ERR_LEN];
	size_t k = 0, bad = 0;
	int64_t now = (int64_t)time(NULL);
	int rows;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot read the sessions in the store", err);
		PQclear(res);
		return -EIO;
	}
	rows = PQntuples(res);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	if (v == NULL) {
		PQclear(res);
		text_err(err, "out of memory");
		return -ENOMEM;
	}
	/* A row whatever wrote it (a hand, another version, a bug) opens
	 * nothing unless all of it parses, and spoils none of the others. */
	for (int i = 0; i < rows; i++) {
		const char *peer = PQgetvalue(res, i, 0);

		if (pgstore_session_parse(&v[k], peer, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
					  PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), why) == 0) {
			k++;
			continue;
		}
		/* Sessions are read at every change on any gateway: a row
		 * that stays bad is told once a minute. */
		if (now >= s->quiet_until && bad++ < 8)
			log_warn("%s; skipped", why);
		/* The store still has a session of this peer: the gateway's
		 * own is not ended for want of a row. */
		if (text_valid_name(peer)) {
			snprintf(v[k].peer, sizeof(v[k].peer), "%s", peer);
			v[k++].bad = true;
		}
	}
	PQclear(res);
	if (bad > 0)
		s->quiet_until = now + 60;
	*out = v;
	*n = k;
	return 0;
}

int pgstore_lockout_put(struct pgstore *s, const char *gateway, const struct pgstore_lockout *lk,
			char err[ERR_LEN])
{
	char until[24];
	const char *v[4] = {lk->owner, lk->id, until, gateway};

	snprintf(until, sizeof(until), "%" PRId64, lk->until_wall);
	/* A lock never shortens another gateway's later one (two locks of
	 * one key in the same minutes, written in any order); only the
	 * admin's unlock, a statement of its own, ends a lock early. */
	if (lk->until_wall > 0)
		return exec_params(
			s,
			"WITH u AS (INSERT INTO lockouts (owner, key_id, failures, until_wall)"
			" VALUES ($1, $2, 0, $3::bigint) ON CONFLICT (owner, key_id) DO"
			" UPDATE SET until_wall = GREATEST(lockouts.until_wall, "
			"EXCLUDED.until_wall)"
			" RETURNING owner, key_id)"
			" INSERT INTO changes (gateway, kind, name)"
			" SELECT $4, 'lockout', owner || ' ' || key_id FROM u",
			4, v, "cannot write the lockout to the store", err);
	v[2] = gateway;
	return exec_params(s,
			   "WITH u AS (UPDATE lockouts SET until_wall = 0"
			   " WHERE owner = $1 AND key_id = $2 RETURNING owner, key_id)"
			   " INSERT INTO changes (gateway, kind, name)"
			   " SELECT $3, 'unlock', owner || ' ' || key_id FROM u",
			   3, v, "cannot write the unlock to the store", err);
}

int pgstore_lockout_cut(struct pgstore *s, const struct pgstore_lockout *lk, char err[ERR_LEN])
{
	char until[24];
	const char *v[3] = {lk->owner, lk->id, until};

	snprintf(until, sizeof(until), "%" PRId64, lk->until_wall);
	return exec_params(s,
			   "UPDATE lockouts SET until_wall = $3::bigint"
			   " WHERE owner = $1 AND key_id = $2 AND until_wall > $3::bigint",
			   3, v, "cannot cut the lockout in the store", err);
}

int pgstore_lockouts(struct pgstore *s, struct pgstore_lockout **out, size_t *n, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, "SELECT owner, key_id, until_wall FROM lockouts");
	struct pgstore_lockout *v;
	char why[ERR_LEN];
	size_t k = 0;
	int rows;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot read the lockouts in the store", err);
		PQclear(res);
		return -EIO;
	}
	rows = PQntuples(res);
	v = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	if (v == NULL) {
		PQclear(res);
		text_err(err, "out of memory");
		return -ENOMEM;
	}
	/* A row that does not parse (written by hand, or by something
	 * else) locks nothing here: it is skipped. */
	for (int i = 0; i < rows; i++) {
		if (pgstore_lockout_parse(&v[k], PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
					  PQgetvalue(res, i, 2), why) == 0)
			k++;
		else
			log_warn("%s; skipped", why);
	}
	PQclear(res);
	*out = v;
	*n = k;
	return 0;
}

int pgstore_listen(struct pgstore *s, char err[ERR_LEN])
{
	int ret = pgstore_exec(s, "LISTEN keygate", "cannot listen to the store", err);

	s->deaf = ret < 0;
	return ret;
}

int pgstore_poll(struct pgstore *s, const char *gateway, unsigned *kinds,
		 struct pgstore_lockout *unlocks, size_t cap, size_t *n_unlocks, char err[ERR_LEN])
{
	struct pgstore_lockout lk;
	char why[ERR_LEN];
	PGnotify *n;

	*kinds = 0;
	/* A connection that cannot hear the other gateways is as good as
	 * lost: offline, and the reconnect listens again. */
	if (s->deaf) {
		text_err(err, "the store's connection was made anew but does not listen");
		return -ENOTCONN;
	}
	if (PQconsumeInput(s->conn) != 1) {
		pgstore_fail(s, NULL, "lost the store", err);
		return -ECONNRESET;
	}
	while ((n = PQnotifies(s->conn)) != NULL) {
		unsigned k = 0;
		size_t i = 0;

		if (pgstore_notify_parse(n->extra, gateway, &k, &lk, why) < 0)
			log_warn("%s; dropped", why);
		PQfreemem(n);
		*kinds |= k;
		if (!(k & PGSTORE_CHANGED_UNLOCKS))
			continue;
		while (i < *n_unlocks && (strcmp(unlocks[i].owner, lk.owner) != 0 ||
					  strcmp(unlocks[i].id, lk.id) != 0))
			i++;
		if (i < *n_unlocks)
			continue;
		if (*n_unlocks == cap) {
			log_warn(
				"key %s of '%s' was unlocked on another gateway, with more than %zu"
				" other unlocks at once: it stays locked here until its lock ends",
				lk.id, lk.owner, cap);
			continue;
		}
		unlocks[(*n_unlocks)++] = lk;
	}
	return 0;
}

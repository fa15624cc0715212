/* SPDX-License-Identifier: ISC */
/* The sign counters an activation batch takes, in one transaction and one
 * round trip (pgstore.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pgstore_int.h"

/* One activation's counter: the gateway whose update changed the row took
 * the counter; any other finds counter >= its own and is refused. Its
 * result is one row, the number of rows it changed (0 or 1). A take that
 * grants a session notes its place in take_won when it wins, for
 * send_session. */
static int send_take(struct pgstore *s, const char *gateway, const struct pgstore_take *t, size_t i)
{
	char ctr[16], idx[24];
	const char *v[5] = {t->owner, t->id, ctr, gateway, idx};

	snprintf(ctr, sizeof(ctr), "%" PRIu32, t->counter);
	snprintf(idx, sizeof(idx), "%zu", i);
	return PQsendQueryParams(
		       s->conn,
		       t->ps == NULL
			       ? "WITH u AS (UPDATE keys SET counter = $3::bigint WHERE owner = $1"
				 " AND id = $2 AND counter < $3::bigint RETURNING owner, id),"
				 " c AS (INSERT INTO changes (gateway, kind, name)"
				 " SELECT $4, 'counter', owner || ' ' || id FROM u)"
				 " SELECT count(*) FROM u"
			       : "WITH u AS (UPDATE keys SET counter = $3::bigint WHERE owner = $1"
				 " AND id = $2 AND counter < $3::bigint RETURNING owner, id),"
				 " c AS (INSERT INTO changes (gateway, kind, name)"
				 " SELECT $4, 'counter', owner || ' ' || id FROM u),"
				 " w AS (INSERT INTO pg_temp.take_won (i) SELECT $5::integer FROM "
				 "u)"
				 " SELECT count(*) FROM u",
		       t->ps == NULL ? 4 : 5, NULL, v, NULL, NULL, 0) == 1
		       ? 0
		       : -EIO;
}

/* The session take i grants, written only if take i won its counter (it
 * is in take_won). */
static int send_session(struct pgstore *s, const char *gateway, const struct pgstore_take *t,
			size_t i)
{
	const struct pgstore_session *ps = t->ps;
	char until[24], idle[24], idx[24];
	const char *v[7] = {
		ps->peer, until, idle, ps->by, gateway, ps->psk[0] != '\0' ? ps->psk : NULL, idx};

	snprintf(until, sizeof(until), "%" PRId64, ps->until_wall);
	snprintf(idle, sizeof(idle), "%" PRId64, ps->idle);
	snprintf(idx, sizeof(idx), "%zu", i);
	return PQsendQueryParams(
		       s->conn,
		       "WITH s AS (INSERT INTO sessions (peer, until_wall, idle, by, gateway, psk)"
		       " SELECT $1, $2::bigint, $3::bigint, $4, $5, $6"
		       " WHERE EXISTS (SELECT 1 FROM pg_temp.take_won WHERE i = $7::integer)"
		       " ON CONFLICT (peer) DO UPDATE SET until_wall = EXCLUDED.until_wall,"
		       " idle = EXCLUDED.idle, by = EXCLUDED.by, gateway = EXCLUDED.gateway,"
		       " psk = EXCLUDED.psk RETURNING peer)"
		       " INSERT INTO changes (gateway, kind, name) SELECT $5, 'session', peer FROM "
		       "s",
		       7, NULL, v, NULL, NULL, 0) == 1
		       ? 0
		       : -EIO;
}

/* The next query's result in the pipeline, and the NULL that ends it.
 * want: the status it must have. 1: it had; 0: it had not (err says why);
 * -EIO: the connection broke, nothing more will come. */
static int take_result(struct pgstore *s, ExecStatusType want, PGresult **out, char err[ERR_LEN])
{
	PGresult *res = PQgetResult(s->conn), *more;
	int ok;

	*out = NULL;
	if (res == NULL) {
		pgstore_fail(s, NULL, "cannot write the counters to the store", err);
		return -EIO;
	}
	ok = PQresultStatus(res) == want;
	if (!ok && err[0] == '\0')
		pgstore_fail(s, res, "cannot write the counters to the store", err);
	if (want == PGRES_PIPELINE_SYNC) {
		PQclear(res);
		return ok;
	}
	while ((more = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(more) == PGRES_FATAL_ERROR && err[0] == '\0')
			pgstore_fail(s, more, "cannot write the counters to the store", err);
		PQclear(more);
		if (!pgstore_connected(s))
			break;
	}
	if (ok)
		*out = res;
	else
		PQclear(res);
	return ok;
}

/* After a failed batch, the connection as the next statement needs it:
 * out of pipeline mode (what results are left read and dropped, at most
 * max of them) and out of the transaction block, which an error inside it
 * leaves open and aborted (its COMMIT was never run). A connection that
 * cannot be brought back is made anew, and listens again. */
static void settle(struct pgstore *s, size_t max)
{
	char junk[ERR_LEN];

	if (!pgstore_connected(s))
		return;
	while (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF && PQexitPipelineMode(s->conn) != 1 &&
	       max-- > 0)
		PQclear(PQgetResult(s->conn));
	if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF) {
		if (pgstore_reconnect(s, junk) == 0)
			pgstore_listen(s, junk);
		return;
	}
	pgstore_exec(s, "ROLLBACK", "rollback", junk);
}

/* A take in the order the batch sends it. */
struct take_ref {
	struct pgstore_take *t;
	size_t i; /* its place in the caller's array: equal keys keep it */
};

static int take_cmp(const void *a, const void *b)
{
	const struct take_ref *x = a, *y = b;
	int c = strcmp(x->t->owner, y->t->owner);

	if (c == 0)
		c = strcmp(x->t->id, y->t->id);
	if (c == 0)
		c = x->i < y->i ? -1 : x->i > y->i;
	return c;
}

/* Sessions by peer: of two takes for one peer, the later one's is
 * written last, as its activation came last. */
static int session_cmp(const void *a, const void *b)
{
	const struct take_ref *x = a, *y = b;
	int c = strcmp(x->t->ps->peer, y->t->ps->peer);

	if (c == 0)
		c = x->i < y->i ? -1 : x->i > y->i;
	return c;
}

/* BEGIN, one statement a take, one a session, COMMIT, and one Sync: the
 * batch goes to the server in one write and comes back in one, and the
 * server commits it once (one flush of its log for all). A row the
 * condition refuses is a result of 0, no error: it spoils nothing. Any
 * error aborts the whole transaction, and then no take won: the caller
 * refuses them all. o: the n takes in key order, then the m that grant a
 * session in peer order. */
static int counters_sorted(struct pgstore *s, const char *gateway, struct take_ref *o, size_t n,
			   size_t m, char err[ERR_LEN])
{
	static const char *const none[1] = {NULL};
	PGresult *res;
	bool ok = true;
	int ret = 0, r;

	if (PQenterPipelineMode(s->conn) != 1) {
		pgstore_fail(s, NULL, "cannot write the counters to the store", err);
		return -EIO;
	}
	if (PQsendQueryParams(s->conn, "BEGIN", 0, NULL, none, NULL, NULL, 0) != 1)
		ret = -EIO;
	/* Which takes won, for the sessions' statements; the rows go with
	 * the transaction. */
	if (ret == 0 && m > 0 &&
	    PQsendQueryParams(s->conn,
			      "CREATE TEMP TABLE IF NOT EXISTS pg_temp.take_won (i integer)"
			      " ON COMMIT DELETE ROWS",
			      0, NULL, none, NULL, NULL, 0) != 1)
		ret = -EIO;
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = send_take(s, gateway, o[i].t, o[i].i);
	for (size_t i = n; ret == 0 && i < n + m; i++)
		ret = send_session(s, gateway, o[i].t, o[i].i);
	if (ret == 0 && PQsendQueryParams(s->conn, "COMMIT", 0, NULL, none, NULL, NULL, 0) != 1)
		ret = -EIO;
	if (ret == 0 && PQpipelineSync(s->conn) != 1)
		ret = -EIO;
	if (ret < 0) {
		/* Nothing was sent that could commit (no Sync went out). A
		 * broken connection is the reconnect's (the gateway goes
		 * offline); one still up is made anew below. */
		pgstore_fail(s, NULL, "cannot write the counters to the store", err);
		if (PQexitPipelineMode(s->conn) != 1 && pgstore_connected(s)) {
			char junk[ERR_LEN];

			/* Queued without their Sync: no result will come for
			 * them on this connection. */
			if (pgstore_reconnect(s, junk) == 0)
				pgstore_listen(s, junk);
		}
		return ret;
	}
	r = take_result(s, PGRES_COMMAND_OK, &res, err);
	ok = r == 1;
	PQclear(res);
	if (r >= 0 && m > 0) {
		r = take_result(s, PGRES_COMMAND_OK, &res, err);
		ok = ok && r == 1;
		PQclear(res);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = take_result(s, PGRES_TUPLES_OK, &res, err);
		if (r == 1)
			o[i].t->won = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
		ok = ok && r == 1;
		PQclear(res);
	}
	for (size_t i = 0; r >= 0 && i < m; i++) {
		r = take_result(s, PGRES_COMMAND_OK, &res, err);
		ok = ok && r == 1;
		PQclear(res);
	}
	if (r >= 0) {
		r = take_result(s, PGRES_COMMAND_OK, &res, err);
		/* An aborted transaction's COMMIT says ROLLBACK. */
		ok = ok && r == 1 && strcmp(PQcmdStatus(res), "COMMIT") == 0;
		PQclear(res);
	}
	if (r >= 0)
		r = take_result(s, PGRES_PIPELINE_SYNC, &res, err);
	if (r < 0 || PQexitPipelineMode(s->conn) != 1)
		ok = false;
	if (!ok) {
		if (err[0] == '\0')
			pgstore_fail(s, NULL, "cannot write the counters to the store", err);
		for (size_t i = 0; i < n; i++)
			o[i].t->won = false;
		settle(s, 2 * (n + m) + 8);
		return -EIO;
	}
	return 0;
}

int pgstore_counters(struct pgstore *s, const char *gateway, struct pgstore_take *t, size_t n,
		     char err[ERR_LEN])
{
	struct take_ref *o;
	size_t m = 0;
	int ret;

	err[0] = '\0';
	for (size_t i = 0; i < n; i++)
		t[i].won = false;
	if (n == 0)
		return 0;
	/* Every row a batch locks, in one order the same on every gateway:
	 * the keys' rows first, in the order of (owner, key ID), then the
	 * sessions' rows, in the order of their peer. Two batches that touch
	 * the same rows lock them in the same order, and one waits for the
	 * other instead of deadlocking (which the server ends by aborting one
	 * of them, and every activation in it). A session written with its
	 * take would follow the keys' order instead: one owner's keys
	 * activating two of its peers crosswise on two gateways (key 1 peer
	 * a and key 2 peer b here, key 3 peer b and key 4 peer a there) would
	 * each hold one session row and wait for the other's. */
	o = calloc(2 * n, sizeof(*o));
	if (o == NULL) {
		text_err(err, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		o[i] = (struct take_ref){.t = &t[i], .i = i};
		if (t[i].ps != NULL)
			o[n + m++] = o[i];
	}
	qsort(o, n, sizeof(*o), take_cmp);
	qsort(o + n, m, sizeof(*o), session_cmp);
	ret = counters_sorted(s, gateway, o, n, m, err);
	free(o);
	return ret;
}

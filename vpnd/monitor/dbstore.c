/* SPDX-License-Identifier: ISC */
/* The monitor's PostgreSQL store (dbstore.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "monitor/dbstore.h"
#include "state/session.h"
#include "store/pgstore.h"

static const enum reg_file order[PGSTORE_FILES] = {REG_OWNERS, REG_PEERS, REG_CODES};

struct dbstore {
	struct pgstore *pg;
	char conninfo[STORECONF_CONNECTION_MAX + 1];
	char gateway[128]; /* this gateway in the change log: host/interface */
	bool online;
	bool fresh;   /* connected since the lockouts were last read */
	unsigned gen; /* pgstore_generation when this last connected */
	int64_t last_try;
	char why[ERR_LEN];
	struct strbuf seen[PGSTORE_FILES]; /* the files as the store last had them */
	char (*owed)[NAME_MAX_LEN + 1];    /* sessions changed here, not yet in the store */
	size_t n_owed, cap_owed;
	struct pgstore_lockout unlocks[DBSTORE_UNLOCKS]; /* heard, not yet applied */
	size_t n_unlocks;
};

/* A session the store has to hear about once it is back. */
static void owe(struct dbstore *db, const char *peer)
{
	for (size_t i = 0; i < db->n_owed; i++)
		if (strcmp(db->owed[i], peer) == 0)
			return;
	if (db->n_owed == db->cap_owed) {
		size_t cap = db->cap_owed ? db->cap_owed * 2 : 16;
		void *v = realloc(db->owed, cap * sizeof(*db->owed));

		if (v == NULL) {
			log_error("out of memory: the store will not hear of session '%s'", peer);
			return;
		}
		db->owed = v;
		db->cap_owed = cap;
	}
	snprintf(db->owed[db->n_owed++], sizeof(db->owed[0]), "%s", peer);
}

static void went_offline(struct dbstore *db, const char *err)
{
	if (db->online)
		log_error("store unavailable: %s; no new activations until it is back", err);
	db->online = false;
	snprintf(db->why, sizeof(db->why), "%s", err);
}

/* After a failed call: offline if the connection is gone, else it was the
 * statement (the caller says what). */
static void check_conn(struct dbstore *db, const char *err)
{
	if (!pgstore_connected(db->pg))
		went_offline(db, err);
}

int dbstore_open(struct dbstore **out, const struct conf *c, char err[ERR_LEN])
{
	struct dbstore *db = calloc(1, sizeof(*db));
	char host[64] = "";
	int ret;

	if (db == NULL)
		return -ENOMEM;
	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_init(&db->seen[f]);
	gethostname(host, sizeof(host) - 1);
	snprintf(db->gateway, sizeof(db->gateway), "%s/%s", host, c->ifname);
	snprintf(db->conninfo, sizeof(db->conninfo), "%s", c->store.connection);
	*out = db;
	ret = pgstore_open(&db->pg, db->conninfo, err);
	/* No store code in this build, or no libpq on this host: no retry
	 * would bring either. */
	if (ret == -ENOTSUP || ret == -ELIBACC)
		return ret;
	if (ret < 0) {
		snprintf(db->why, sizeof(db->why), "%s", err);
		return 0;
	}
	ret = pgstore_check_schema(db->pg, err);
	if (ret == -EPROTO)
		return ret;
	if (ret == 0)
		ret = pgstore_listen(db->pg, err);
	if (ret < 0) {
		snprintf(db->why, sizeof(db->why), "%s", err);
		return 0;
	}
	db->online = true;
	db->fresh = true;
	db->gen = pgstore_generation(db->pg);
	return 0;
}

void dbstore_close(struct dbstore **db)
{
	if (*db == NULL)
		return;
	pgstore_close(&(*db)->pg);
	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_finish(&(*db)->seen[f]);
	free((*db)->owed);
	free(*db);
	*db = NULL;
}

bool dbstore_online(const struct dbstore *db)
{
	return db->online;
}

const char *dbstore_why(const struct dbstore *db)
{
	return db->why;
}

bool dbstore_reconnect(struct dbstore *db, int64_t now_s)
{
	char err[ERR_LEN];
	int ret;

	if (db->online || now_s == db->last_try)
		return false;
	db->last_try = now_s;
	if (db->pg == NULL)
		ret = pgstore_open(&db->pg, db->conninfo, err);
	else
		ret = pgstore_reconnect(db->pg, err);
	if (ret == 0)
		ret = pgstore_check_schema(db->pg, err);
	if (ret == 0)
		ret = pgstore_listen(db->pg, err);
	if (ret < 0) {
		if (strcmp(err, db->why) != 0)
			log_info("store still unavailable: %s", err);
		snprintf(db->why, sizeof(db->why), "%s", err);
		return false;
	}
	db->online = true;
	db->fresh = true;
	db->gen = pgstore_generation(db->pg);
	log_info("the store is back");
	return true;
}

int dbstore_pull(struct dbstore *db, const char *dir, char err[ERR_LEN])
{
	struct strbuf text[PGSTORE_FILES];
	char path[PATH_MAX + 16];
	int ret;

	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_init(&text[f]);
	ret = pgstore_export(db->pg, text, err);
	if (ret < 0)
		check_conn(db, err);
	for (int f = 0; ret == 0 && f < PGSTORE_FILES; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, registry_file_name(order[f]));
		ret = atomicfile_write(path, text[f].buf, text[f].len, 0600);
		if (ret < 0)
			text_err(err, "cannot write %s: %s", path, strerror(-ret));
	}
	for (int f = 0; f < PGSTORE_FILES; f++) {
		if (ret == 0) {
			struct strbuf t = db->seen[f];

			db->seen[f] = text[f];
			text[f] = t;
		}
		strbuf_finish(&text[f]);
	}
	return ret;
}

int dbstore_push(struct dbstore *db, const struct registry *r, char err[ERR_LEN])
{
	struct strbuf now[PGSTORE_FILES];
	const char *was_t[PGSTORE_FILES], *now_t[PGSTORE_FILES];
	size_t was_n[PGSTORE_FILES], now_n[PGSTORE_FILES];
	int ret = 0;

	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	for (int f = 0; f < PGSTORE_FILES; f++) {
		strbuf_init(&now[f]);
		registry_format(r, order[f], &now[f]);
		if (strbuf_error(&now[f]) < 0)
			ret = -ENOMEM;
		now_t[f] = now[f].buf;
		now_n[f] = now[f].len;
		was_t[f] = db->seen[f].buf != NULL ? db->seen[f].buf : "";
		was_n[f] = db->seen[f].len;
	}
	if (ret == 0)
		ret = pgstore_push(db->pg, db->gateway, was_t, was_n, now_t, now_n, err);
	if (ret < 0 && ret != -ESTALE)
		check_conn(db, err);
	for (int f = 0; f < PGSTORE_FILES; f++) {
		if (ret == 0) {
			struct strbuf t = db->seen[f];

			db->seen[f] = now[f];
			now[f] = t;
		}
		strbuf_finish(&now[f]);
	}
	return ret;
}

/* A session as the store keeps it; the caller wipes ps->psk. */
static void session_row(struct pgstore_session *ps, const struct session *s)
{
	*ps = (struct pgstore_session){.until_wall = s->until_wall,
				       .idle = (int64_t)(s->idle_ns / 1000000000ULL)};
	snprintf(ps->peer, sizeof(ps->peer), "%s", s->name);
	snprintf(ps->by, sizeof(ps->by), "%s", s->by);
	if (s->has_psk)
		sodium_bin2base64(ps->psk, sizeof(ps->psk), s->psk, sizeof(s->psk),
				  sodium_base64_VARIANT_ORIGINAL);
}

int dbstore_counters(struct dbstore *db, struct dbstore_take *t, size_t n, char err[ERR_LEN])
{
	struct pgstore_session ps[DBSTORE_BATCH];
	struct pgstore_take pt[DBSTORE_BATCH];
	int ret;

	if (n > DBSTORE_BATCH)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		t[i].won = false;
	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	for (size_t i = 0; i < n; i++) {
		pt[i] = (struct pgstore_take){
			.owner = t[i].owner, .id = t[i].id, .counter = t[i].counter};
		if (t[i].s != NULL) {
			session_row(&ps[i], t[i].s);
			pt[i].ps = &ps[i];
		}
	}
	ret = pgstore_counters(db->pg, db->gateway, pt, n, err);
	sodium_memzero(ps, sizeof(ps));
	if (ret < 0) {
		check_conn(db, err);
		return ret;
	}
	for (size_t i = 0; i < n; i++)
		t[i].won = pt[i].won;
	return 0;
}

int dbstore_counter(struct dbstore *db, const char *owner, const char *id, uint32_t counter,
		    const struct session *s, bool *won, char err[ERR_LEN])
{
	struct dbstore_take t = {.owner = owner, .id = id, .counter = counter, .s = s};
	int ret = dbstore_counters(db, &t, 1, err);

	*won = t.won;
	return ret;
}

void dbstore_session_put(struct dbstore *db, const struct session *s)
{
	struct pgstore_session ps;
	char err[ERR_LEN];

	if (!db->online) {
		owe(db, s->name);
		return;
	}
	session_row(&ps, s);
	if (pgstore_session_put(db->pg, db->gateway, &ps, err) < 0) {
		log_warn("session of '%s': %s", s->name, err);
		check_conn(db, err);
		owe(db, s->name);
	}
	sodium_memzero(ps.psk, sizeof(ps.psk));
}

void dbstore_session_end(struct dbstore *db, const char *peer)
{
	char err[ERR_LEN];

	if (!db->online) {
		owe(db, peer);
		return;
	}
	if (pgstore_session_end(db->pg, db->gateway, peer, err) < 0) {
		log_warn("session of '%s': %s", peer, err);
		check_conn(db, err);
		owe(db, peer);
	}
}

void dbstore_flush(struct dbstore *db, const struct sessions *ss)
{
	char(*list)[NAME_MAX_LEN + 1] = db->owed;
	size_t n = db->n_owed;

	/* Taken over: each call below may owe a name again (the store gone
	 * once more), into a fresh list. */
	db->owed = NULL;
	db->n_owed = db->cap_owed = 0;
	for (size_t i = 0; i < n; i++) {
		const struct session *s = session_find(ss, list[i]);

		if (s != NULL)
			dbstore_session_put(db, s);
		else
			dbstore_session_end(db, list[i]);
	}
	free(list);
}

int dbstore_sessions(struct dbstore *db, struct pgstore_session **out, size_t *n, char err[ERR_LEN])
{
	int ret;

	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	ret = pgstore_sessions(db->pg, out, n, err);
	if (ret < 0)
		check_conn(db, err);
	return ret;
}

unsigned dbstore_poll(struct dbstore *db)
{
	char err[ERR_LEN];
	unsigned kinds = 0;

	if (!db->online)
		return 0;
	if (pgstore_poll(db->pg, db->gateway, &kinds, db->unlocks, DBSTORE_UNLOCKS, &db->n_unlocks,
			 err) < 0) {
		went_offline(db, err);
		return 0;
	}
	/* A failed batch made the connection anew on its own: what the
	 * change log said in between was lost, so all is read again. */
	if (pgstore_generation(db->pg) != db->gen) {
		db->gen = pgstore_generation(db->pg);
		db->fresh = true;
		log_info("the store's connection was made anew: reading it all again");
		kinds |= PGSTORE_CHANGED_REGISTRY | PGSTORE_CHANGED_SESSIONS |
			 PGSTORE_CHANGED_LOCKOUTS;
	}
	return kinds;
}

int dbstore_lockout_put(struct dbstore *db, const struct pgstore_lockout *lk, char err[ERR_LEN])
{
	int ret;

	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	ret = pgstore_lockout_put(db->pg, db->gateway, lk, err);
	if (ret < 0)
		check_conn(db, err);
	return ret;
}

int dbstore_lockout_cut(struct dbstore *db, const struct pgstore_lockout *lk, char err[ERR_LEN])
{
	int ret;

	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	ret = pgstore_lockout_cut(db->pg, lk, err);
	if (ret < 0)
		check_conn(db, err);
	return ret;
}

int dbstore_lockouts(struct dbstore *db, struct pgstore_lockout **out, size_t *n, char err[ERR_LEN])
{
	int ret;

	if (!db->online) {
		text_err(err, "store unavailable: %s", db->why);
		return -ENOTCONN;
	}
	ret = pgstore_lockouts(db->pg, out, n, err);
	if (ret < 0)
		check_conn(db, err);
	else
		db->fresh = false;
	return ret;
}

bool dbstore_lockouts_due(const struct dbstore *db)
{
	return db->online && db->fresh;
}

size_t dbstore_unlocks(const struct dbstore *db, const struct pgstore_lockout **out)
{
	*out = db->unlocks;
	return db->n_unlocks;
}

void dbstore_unlocks_done(struct dbstore *db)
{
	db->n_unlocks = 0;
}

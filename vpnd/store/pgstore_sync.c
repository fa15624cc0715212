/* SPDX-License-Identifier: ISC */
/* A running gateway's writes to the store (pgstore.h): what changed
 * between two texts of the registry files. The counters: pgstore_take.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "store/pgstore_int.h"

/* A record line and its identity: the line up to its name ("peer NAME"),
 * or for a key up to its ID ("key OWNER id=ID"). */
struct rec {
	const char *line;
	size_t n, keylen;
	char tab; /* o(wner), k(ey), p(eer), c(ode) */
};

static const void *rec_key(const void *obj, size_t *len)
{
	const struct rec *r = obj;

	*len = r->keylen;
	return r->line;
}

static size_t word_end(const char *line, size_t n, int words)
{
	size_t i = 0;

	for (; i < n; i++)
		if (line[i] == ' ' && --words == 0)
			return i;
	return n;
}

/* The records of one file's text, indexed by identity; comments and the
 * end line are not records. */
static int recs_parse(const char *text, size_t len, struct rec **out, size_t *count, struct htab *h)
{
	const char *p = text, *end = text + len;
	struct rec *v = NULL;
	size_t n = 0, cap = 0;

	htab_init(h, rec_key);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ln = (size_t)((nl != NULL ? nl : end) - p);
		char tab = 0;

		if (ln > 6 && memcmp(p, "owner ", 6) == 0)
			tab = 'o';
		else if (ln > 4 && memcmp(p, "key ", 4) == 0)
			tab = 'k';
		else if (ln > 5 && memcmp(p, "peer ", 5) == 0)
			tab = 'p';
		else if (ln > 5 && memcmp(p, "code ", 5) == 0)
			tab = 'c';
		if (tab != 0) {
			if (n == cap) {
				struct rec *nv;

				cap = cap ? cap * 2 : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (nv == NULL)
					goto nomem;
				v = nv;
			}
			v[n] = (struct rec){p, ln, word_end(p, ln, tab == 'k' ? 3 : 2), tab};
			n++;
		}
		p += ln + 1;
	}
	if (htab_reserve(h, n) < 0)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		htab_insert(h, &v[i]); /* a twin would not have loaded */
	*out = v;
	*count = n;
	return 0;
nomem:
	free(v);
	htab_finish(h);
	return -ENOMEM;
}

static void copy_text(struct strbuf *sb, const char *s, size_t n, bool last)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			strbuf_puts(sb, "\\\\");
		else if (s[i] == '\t')
			strbuf_puts(sb, "\\t");
		else
			strbuf_add(sb, &s[i], 1);
	}
	strbuf_puts(sb, last ? "\n" : "\t");
}

/* A row of push_rows: tab, name, id, line, counter (as COPY text). */
static void put_row(struct strbuf *sb, const struct rec *r, bool gone)
{
	const char *name = strchr(r->line, ' ') + 1, *id = NULL, *ctr = NULL;
	size_t name_n = word_end(name, r->n - (size_t)(name - r->line), 1), id_n = 0, ctr_n = 0;
	char tab[2] = {r->tab, 0};

	if (r->tab == 'k') {
		id = name + name_n + 1 + 3; /* "id=" */
		id_n = r->keylen - (size_t)(id - r->line);
		ctr = strstr(r->line, " counter=");
		if (ctr != NULL && ctr < r->line + r->n) {
			ctr += 9;
			ctr_n = word_end(ctr, r->n - (size_t)(ctr - r->line), 1);
		}
	}
	copy_text(sb, gone ? "-" : "+", 1, false);
	copy_text(sb, tab, 1, false);
	copy_text(sb, name, name_n, false);
	copy_text(sb, id != NULL ? id : "", id_n, false);
	copy_text(sb, r->line, r->n, false);
	if (ctr_n > 0)
		copy_text(sb, ctr, ctr_n, true);
	else
		strbuf_puts(sb, "\\N\n");
}

static const char push_sql[] =
	/* Gone here: keys, peers and owners deleted; codes spent, and only
	 * if no other gateway spent them first (counted below). */
	"DELETE FROM keys k USING push_rows r WHERE r.op = '-' AND r.tab = 'k'"
	" AND k.owner = r.name AND k.id = r.id;"
	"DELETE FROM peers p USING push_rows r WHERE r.op = '-' AND r.tab = 'p' AND p.name = "
	"r.name;"
	"DELETE FROM owners o USING push_rows r WHERE r.op = '-' AND r.tab = 'o'"
	" AND o.name = r.name;"
	"INSERT INTO owners (name, pos, line) SELECT name, nextval('record_pos'), line"
	" FROM push_rows WHERE op = '+' AND tab = 'o'"
	" ON CONFLICT (name) DO UPDATE SET line = EXCLUDED.line;"
	/* A counter never goes back, whoever wrote the line. */
	"INSERT INTO keys (owner, id, pos, line, counter)"
	" SELECT name, id, nextval('record_pos'), line, counter FROM push_rows"
	" WHERE op = '+' AND tab = 'k' ON CONFLICT (owner, id) DO UPDATE SET line = EXCLUDED.line,"
	" counter = greatest(keys.counter, EXCLUDED.counter);"
	"INSERT INTO peers (name, pos, line) SELECT name, nextval('record_pos'), line"
	" FROM push_rows WHERE op = '+' AND tab = 'p'"
	" ON CONFLICT (name) DO UPDATE SET line = EXCLUDED.line;"
	"INSERT INTO codes (hash, pos, line) SELECT name, nextval('record_pos'), line"
	" FROM push_rows WHERE op = '+' AND tab = 'c'"
	" ON CONFLICT (hash) DO UPDATE SET line = EXCLUDED.line, spent = false;";

static int exec_count(struct pgstore *s, const char *sql, long *n, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, sql);
	int ret = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot write to the store", err);
		ret = -EIO;
	} else
		*n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return ret;
}

static int push_rows(struct pgstore *s, const struct strbuf *rows, size_t spent,
		     const char *gateway, char err[ERR_LEN])
{
	PGresult *res;
	long n = 0;
	int ret;

	ret = pgstore_exec(s,
			   "BEGIN;CREATE TEMP TABLE IF NOT EXISTS push_rows (op text, tab text,"
			   " name text, id text, line text, counter bigint) ON COMMIT DELETE ROWS",
			   "cannot write to the store", err);
	if (ret < 0)
		return ret;
	res = PQexec(s->conn, "COPY push_rows FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pgstore_fail(s, res, "cannot write to the store", err);
		PQclear(res);
		ret = -EIO;
		goto fail;
	}
	PQclear(res);
	if ((rows->len > 0 && PQputCopyData(s->conn, rows->buf, (int)rows->len) != 1) ||
	    PQputCopyEnd(s->conn, NULL) != 1)
		ret = -EIO;
	while ((res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && ret == 0) {
			pgstore_fail(s, res, "cannot write to the store", err);
			ret = -EIO;
		}
		PQclear(res);
	}
	if (ret < 0)
		goto fail;
	ret = exec_count(s,
			 "WITH u AS (UPDATE codes c SET spent = true FROM push_rows r"
			 " WHERE r.op = '-' AND r.tab = 'c' AND c.hash = r.name AND NOT c.spent"
			 " RETURNING 1) SELECT count(*) FROM u",
			 &n, err);
	if (ret < 0)
		goto fail;
	if ((size_t)n != spent) {
		text_err(err, "an enrollment code was used on another gateway first");
		ret = -ESTALE;
		goto fail;
	}
	if ((ret = pgstore_exec(s, push_sql, "cannot write to the store", err)) < 0)
		goto fail;
	res = PQexecParams(s->conn,
			   "INSERT INTO changes (gateway, kind, name) VALUES ($1, 'registry', '-')",
			   1, NULL, &gateway, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pgstore_fail(s, res, "cannot write to the store", err);
		ret = -EIO;
	}
	PQclear(res);
	if (ret == 0 && (ret = pgstore_exec(s, "COMMIT", "cannot write to the store", err)) == 0)
		return 0;
fail : {
	char junk[ERR_LEN];

	pgstore_exec(s, "ROLLBACK", "rollback", junk);
}
	return ret;
}

int pgstore_push(struct pgstore *s, const char *gateway, const char *const was[PGSTORE_FILES],
		 const size_t was_len[PGSTORE_FILES], const char *const now[PGSTORE_FILES],
		 const size_t now_len[PGSTORE_FILES], char err[ERR_LEN])
{
	struct strbuf rows;
	size_t changed = 0, spent = 0;
	int ret = 0;

	strbuf_init(&rows);
	for (int f = 0; ret == 0 && f < PGSTORE_FILES; f++) {
		struct rec *a = NULL, *b = NULL;
		struct htab ha, hb;
		size_t na = 0, nb = 0;

		if (was[f] == now[f])
			continue;
		if ((ret = recs_parse(was[f], was_len[f], &a, &na, &ha)) < 0)
			break;
		if ((ret = recs_parse(now[f], now_len[f], &b, &nb, &hb)) < 0) {
			free(a);
			htab_finish(&ha);
			break;
		}
		for (size_t i = 0; i < nb; i++) {
			const struct rec *o = htab_find(&ha, b[i].line, b[i].keylen);

			if (o == NULL || o->n != b[i].n || memcmp(o->line, b[i].line, o->n) != 0) {
				put_row(&rows, &b[i], false);
				changed++;
			}
		}
		for (size_t i = 0; i < na; i++)
			if (htab_find(&hb, a[i].line, a[i].keylen) == NULL) {
				put_row(&rows, &a[i], true);
				spent += a[i].tab == 'c';
				changed++;
			}
		free(a);
		free(b);
		htab_finish(&ha);
		htab_finish(&hb);
	}
	if (ret == 0 && strbuf_error(&rows) < 0)
		ret = -ENOMEM;
	if (ret == 0 && changed > 0)
		ret = push_rows(s, &rows, spent, gateway, err);
	if (ret == -ENOMEM)
		text_err(err, "out of memory");
	strbuf_finish(&rows);
	return ret;
}

bool pgstore_connected(struct pgstore *s)
{
	return PQstatus(s->conn) == CONNECTION_OK;
}

int pgstore_reconnect(struct pgstore *s, char err[ERR_LEN])
{
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		pgstore_fail(s, NULL, "cannot connect to the store", err);
		return -ECONNREFUSED;
	}
	s->gen++;
	return pgstore_exec(s, "SET client_min_messages = warning", "store", err);
}

unsigned pgstore_generation(const struct pgstore *s)
{
	return s->gen;
}

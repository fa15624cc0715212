/* SPDX-License-Identifier: ISC */
/* Import and export: the registry files <-> the store's rows (pgstore.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pgstore_int.h"

static const char *const file_names[PGSTORE_FILES] = {"owners", "peers", "codes"};

enum table { T_NOTES, T_OWNERS, T_KEYS, T_PEERS, T_CODES, T_N };

static const char *const copy_sql[T_N] = {
	"COPY notes (file, pos, line) FROM STDIN",
	"COPY owners (name, pos, line) FROM STDIN",
	"COPY keys (owner, id, pos, line, counter) FROM STDIN",
	"COPY peers (name, pos, line) FROM STDIN",
	"COPY codes (hash, pos, line) FROM STDIN",
};

/* One field of COPY's text format. */
static void copy_field(struct strbuf *sb, const char *s, size_t n, bool last)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			strbuf_puts(sb, "\\\\");
		else if (s[i] == '\t')
			strbuf_puts(sb, "\\t");
		else if (s[i] == '\r')
			strbuf_puts(sb, "\\r");
		else
			strbuf_add(sb, &s[i], 1);
	}
	strbuf_puts(sb, last ? "\n" : "\t");
}

/* The word after the record's type ("owner alice ..." -> alice). */
static int word2(const char *line, size_t n, const char **w, size_t *wn)
{
	const char *sp = memchr(line, ' ', n), *end;

	if (sp == NULL)
		return -EINVAL;
	*w = sp + 1;
	end = memchr(*w, ' ', (size_t)(line + n - *w));
	*wn = (size_t)((end != NULL ? end : line + n) - *w);
	return *wn > 0 ? 0 : -EINVAL;
}

/* A field's value ("id=...") in a record line. */
static int field(const char *line, size_t n, const char *key, const char **v, size_t *vn)
{
	size_t kn = strlen(key);

	for (const char *p = line + 1; p + kn <= line + n; p++) {
		const char *end;

		if (p[-1] != ' ' || memcmp(p, key, kn) != 0)
			continue;
		*v = p + kn;
		end = memchr(*v, ' ', (size_t)(line + n - *v));
		*vn = (size_t)((end != NULL ? end : line + n) - *v);
		return 0;
	}
	return -ENOENT;
}

static int split_line(struct strbuf t[T_N], int file, const char *line, size_t n, int64_t pos,
		      char err[ERR_LEN])
{
	char posbuf[24];
	const char *w, *id, *ctr;
	size_t wn, idn, ctrn;
	int tab = T_NOTES;

	snprintf(posbuf, sizeof(posbuf), "%" PRId64, pos);
	if (file == 0 && n > 6 && memcmp(line, "owner ", 6) == 0)
		tab = T_OWNERS;
	else if (file == 0 && n > 4 && memcmp(line, "key ", 4) == 0)
		tab = T_KEYS;
	else if (file == 1 && n > 5 && memcmp(line, "peer ", 5) == 0)
		tab = T_PEERS;
	else if (file == 2 && n > 5 && memcmp(line, "code ", 5) == 0)
		tab = T_CODES;
	if (tab == T_NOTES) {
		copy_field(&t[tab], file_names[file], strlen(file_names[file]), false);
		copy_field(&t[tab], posbuf, strlen(posbuf), false);
		copy_field(&t[tab], line, n, true);
		return 0;
	}
	if (word2(line, n, &w, &wn) < 0) {
		text_err(err, "%s: a record without a name: '%.60s'", file_names[file], line);
		return -EINVAL;
	}
	copy_field(&t[tab], w, wn, false);
	if (tab == T_KEYS) {
		if (field(line, n, "id=", &id, &idn) < 0 ||
		    field(line, n, "counter=", &ctr, &ctrn) < 0) {
			text_err(err, "owners: a key without id or counter: '%.60s'", line);
			return -EINVAL;
		}
		copy_field(&t[tab], id, idn, false);
	}
	copy_field(&t[tab], posbuf, strlen(posbuf), false);
	copy_field(&t[tab], line, n, tab != T_KEYS);
	if (tab == T_KEYS)
		copy_field(&t[tab], ctr, ctrn, true);
	return 0;
}

static int copy_in(struct pgstore *s, const char *sql, const struct strbuf *data, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, sql);
	int ret = 0;

	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pgstore_fail(s, res, "cannot import", err);
		PQclear(res);
		return -EIO;
	}
	PQclear(res);
	if ((data->len > 0 && PQputCopyData(s->conn, data->buf, (int)data->len) != 1) ||
	    PQputCopyEnd(s->conn, NULL) != 1) {
		pgstore_fail(s, NULL, "cannot import", err);
		ret = -EIO;
	}
	while ((res = PQgetResult(s->conn)) != NULL) {
		if (ret == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			pgstore_fail(s, res, "cannot import", err);
			ret = -EIO;
		}
		PQclear(res);
	}
	return ret;
}

static int has_records(struct pgstore *s, bool *yes, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, "SELECT EXISTS (SELECT 1 FROM owners) OR EXISTS "
					"(SELECT 1 FROM peers) OR EXISTS (SELECT 1 FROM codes)");
	int ret = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot read the store", err);
		ret = -EIO;
	} else
		*yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return ret;
}

int pgstore_import(struct pgstore *s, const char *const text[PGSTORE_FILES],
		   const size_t len[PGSTORE_FILES], bool replace, char err[ERR_LEN])
{
	struct strbuf t[T_N];
	char junk[ERR_LEN], sql[96];
	int64_t pos = 0;
	bool full;
	int ret;

	for (int i = 0; i < T_N; i++)
		strbuf_init(&t[i]);
	for (int f = 0; f < PGSTORE_FILES; f++) {
		const char *p = text[f], *end = text[f] + len[f];

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl != NULL ? nl : end) - p);

			/* `end N` is counted again on export. */
			if (!(n > 4 && memcmp(p, "end ", 4) == 0) &&
			    (ret = split_line(t, f, p, n, ++pos, err)) < 0)
				goto out;
			p += n + 1;
		}
	}
	for (int i = 0; i < T_N; i++)
		if (strbuf_error(&t[i]) < 0) {
			ret = -ENOMEM;
			goto out;
		}
	ret = pgstore_exec(s, "BEGIN ISOLATION LEVEL SERIALIZABLE", "cannot import", err);
	if (ret < 0)
		goto out;
	if ((ret = has_records(s, &full, err)) < 0)
		goto fail;
	if (full && !replace) {
		text_err(err, "the store holds a registry already (import --replace replaces it)");
		ret = -EEXIST;
		goto fail;
	}
	ret = pgstore_exec(s, "TRUNCATE notes, owners, keys, peers, codes, lockouts, sessions",
			   "cannot import", err);
	for (int i = 0; ret == 0 && i < T_N; i++)
		ret = copy_in(s, copy_sql[i], &t[i], err);
	snprintf(sql, sizeof(sql), "SELECT setval('record_pos', %" PRId64 ", true)",
		 pos > 0 ? pos : 1);
	if (ret < 0 || (ret = pgstore_exec(s, sql, "cannot import", err)) < 0 ||
	    (ret = pgstore_exec(s,
				"INSERT INTO changes (gateway, kind, name) VALUES "
				"('import', 'resync', '-')",
				"cannot import", err)) < 0)
		goto fail;
	ret = pgstore_exec(s, "COMMIT", "cannot commit the import", err);
	goto out;
fail:
	pgstore_exec(s, "ROLLBACK", "rollback", junk);
out:
	for (int i = 0; i < T_N; i++)
		strbuf_finish(&t[i]);
	return ret;
}

static const char *const export_sql[PGSTORE_FILES] = {
	/* An owner's keys follow it, in the order they came. */
	"SELECT line, kind, counter FROM ("
	" SELECT pos AS a, 0::bigint AS b, line, 'n' AS kind, NULL::bigint AS counter"
	" FROM notes WHERE file = 'owners'"
	" UNION ALL SELECT pos, 0, line, 'r', NULL FROM owners"
	" UNION ALL SELECT o.pos, k.pos, k.line, 'k', k.counter"
	" FROM keys k JOIN owners o ON o.name = k.owner) t ORDER BY a, b",
	"SELECT line, kind FROM ("
	" SELECT pos, line, 'n' AS kind FROM notes WHERE file = 'peers'"
	" UNION ALL SELECT pos, line, 'r' FROM peers) t ORDER BY pos",
	"SELECT line, kind FROM ("
	" SELECT pos, line, 'n' AS kind FROM notes WHERE file = 'codes'"
	" UNION ALL SELECT pos, line, 'r' FROM codes WHERE NOT spent) t ORDER BY pos",
};

/* A key's line with the counter its column has: the column is what the
 * gateways advance. */
static void put_key(struct strbuf *sb, const char *line, const char *counter)
{
	const char *v;
	size_t n = strlen(line), vn;

	if (field(line, n, "counter=", &v, &vn) < 0) {
		strbuf_puts(sb, line);
		return;
	}
	strbuf_add(sb, line, (size_t)(v - line));
	strbuf_puts(sb, counter);
	strbuf_puts(sb, v + vn);
}

static int export_file(struct pgstore *s, int f, struct strbuf *sb, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, export_sql[f]);
	size_t records = 0;
	int rows;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot export", err);
		PQclear(res);
		return -EIO;
	}
	rows = PQntuples(res);
	for (int i = 0; i < rows; i++) {
		const char *line = PQgetvalue(res, i, 0), *kind = PQgetvalue(res, i, 1);

		if (kind[0] == 'k')
			put_key(sb, line, PQgetvalue(res, i, 2));
		else
			strbuf_puts(sb, line);
		strbuf_puts(sb, "\n");
		records += kind[0] != 'n';
	}
	PQclear(res);
	strbuf_printf(sb, "end %zu\n", records);
	return strbuf_error(sb) < 0 ? -ENOMEM : 0;
}

int pgstore_export(struct pgstore *s, struct strbuf out[PGSTORE_FILES], char err[ERR_LEN])
{
	char junk[ERR_LEN];
	int ret;

	/* One snapshot for the three files: a key added between two of the
	 * queries cannot appear in one file without its owner. */
	ret = pgstore_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot export",
			   err);
	if (ret < 0)
		return ret;
	for (int f = 0; ret == 0 && f < PGSTORE_FILES; f++)
		ret = export_file(s, f, &out[f], err);
	pgstore_exec(s, ret == 0 ? "COMMIT" : "ROLLBACK", "cannot export", ret == 0 ? err : junk);
	return ret;
}

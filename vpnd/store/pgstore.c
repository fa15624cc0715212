/* SPDX-License-Identifier: ISC */
/* The PostgreSQL store's connection and schema (pgstore.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pgstore_int.h"

/* Migration N takes the schema from version N-1 to N; the array only ever
 * grows. The records' payload is their registry line, so a new field in
 * the files needs no migration here (docs/store.md). */
static const char *const migrations[PGSTORE_SCHEMA] = {
	/* 1: the registry, the shared counters, codes, lockouts and sessions,
	 * and the change log whose rows are NOTIFYed to every gateway. */
	"CREATE SEQUENCE record_pos;"
	"CREATE TABLE notes (file text NOT NULL, pos bigint PRIMARY KEY, line text NOT NULL);"
	"CREATE TABLE owners (name text PRIMARY KEY, pos bigint NOT NULL, line text NOT NULL);"
	"CREATE TABLE keys (owner text NOT NULL REFERENCES owners (name) ON DELETE CASCADE,"
	" id text NOT NULL, pos bigint NOT NULL, line text NOT NULL,"
	" counter bigint NOT NULL CHECK (counter >= 0), PRIMARY KEY (owner, id));"
	"CREATE TABLE peers (name text PRIMARY KEY, pos bigint NOT NULL, line text NOT NULL);"
	"CREATE TABLE codes (hash text PRIMARY KEY, pos bigint NOT NULL, line text NOT NULL,"
	" spent boolean NOT NULL DEFAULT false);"
	"CREATE TABLE lockouts (owner text NOT NULL, key_id text NOT NULL,"
	" failures integer NOT NULL, until_wall bigint NOT NULL, PRIMARY KEY (owner, key_id));"
	"CREATE TABLE sessions (peer text PRIMARY KEY, until_wall bigint NOT NULL,"
	" idle bigint NOT NULL, by text NOT NULL, gateway text NOT NULL, psk text);"
	"CREATE TABLE changes (seq bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),"
	" gateway text NOT NULL, kind text NOT NULL, name text NOT NULL);"
	"CREATE FUNCTION changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN PERFORM pg_notify('keygate', NEW.seq || ' ' || NEW.gateway || ' ' || NEW.kind"
	" || ' ' || NEW.name);"
	" RETURN NEW; END $$;"
	"CREATE TRIGGER changes_notify AFTER INSERT ON changes"
	" FOR EACH ROW EXECUTE FUNCTION changes_notify();",
};

/* Any number, the same in every vpnd: the advisory lock migrations hold. */
#define MIGRATE_LOCK "7301170017"

bool pgstore_available(void)
{
	return true;
}

void pgstore_fail(struct pgstore *s, const PGresult *res, const char *what, char err[ERR_LEN])
{
	const char *m = res != NULL ? PQresultErrorMessage(res) : "";
	char line[ERR_LEN];
	size_t n;

	if (m[0] == '\0')
		m = PQerrorMessage(s->conn);
	snprintf(line, sizeof(line), "%s", m);
	n = strcspn(line, "\n");
	line[n] = '\0';
	text_err(err, "%s: %s", what, line[0] != '\0' ? line : "failed");
}

int pgstore_exec(struct pgstore *s, const char *sql, const char *what, char err[ERR_LEN])
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int ret = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, what, err);
		ret = -EIO;
	}
	PQclear(res);
	return ret;
}

int pgstore_open(struct pgstore **out, const char *conninfo, char err[ERR_LEN])
{
	struct pgstore *s;
	int ret;

	ret = pqlib_load(err);
	if (ret < 0)
		return ret;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->conn = PQconnectdb(conninfo);
	if (s->conn == NULL) {
		free(s);
		return -ENOMEM;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		pgstore_fail(s, NULL, "cannot connect to the store", err);
		pgstore_close(&s);
		return -ECONNREFUSED;
	}
	/* Quiet the server's NOTICEs (IF NOT EXISTS and the like): vpnd
	 * speaks for itself. */
	ret = pgstore_exec(s, "SET client_min_messages = warning", "store", err);
	if (ret < 0) {
		pgstore_close(&s);
		return ret;
	}
	*out = s;
	return 0;
}

void pgstore_close(struct pgstore **s)
{
	if (*s == NULL)
		return;
	PQfinish((*s)->conn);
	free(*s);
	*s = NULL;
}

int pgstore_version(struct pgstore *s, int *version, char err[ERR_LEN])
{
	PGresult *res;
	int ret = 0;

	res = PQexec(s->conn, "SELECT to_regclass('schema_version') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot read the schema version", err);
		PQclear(res);
		return -EIO;
	}
	*version = 0;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		return 0;
	}
	PQclear(res);
	res = PQexec(s->conn, "SELECT max(version) FROM schema_version");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgstore_fail(s, res, "cannot read the schema version", err);
		ret = -EIO;
	} else if (!PQgetisnull(res, 0, 0))
		*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return ret;
}

int pgstore_migrate(struct pgstore *s, int *from, int *to, char err[ERR_LEN])
{
	char what[64], junk[ERR_LEN];
	int ret, v;

	ret = pgstore_exec(s, "BEGIN", "cannot begin a transaction", err);
	if (ret < 0)
		return ret;
	/* Two gateways migrating at once: the second waits, then finds the
	 * work done. */
	ret = pgstore_exec(s,
			   "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ");"
			   "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
			   " at timestamptz NOT NULL DEFAULT now())",
			   "cannot lock the schema", err);
	if (ret < 0 || (ret = pgstore_version(s, &v, err)) < 0)
		goto fail;
	*from = *to = v;
	if (v > PGSTORE_SCHEMA) {
		text_err(err, "the store's schema is version %d, newer than this vpnd's %d", v,
			 PGSTORE_SCHEMA);
		ret = -EPROTO;
		goto fail;
	}
	for (; v < PGSTORE_SCHEMA; v++) {
		char rec[96];

		snprintf(what, sizeof(what), "migration %d failed", v + 1);
		snprintf(rec, sizeof(rec), "INSERT INTO schema_version (version) VALUES (%d)",
			 v + 1);
		if ((ret = pgstore_exec(s, migrations[v], what, err)) < 0 ||
		    (ret = pgstore_exec(s, rec, what, err)) < 0)
			goto fail;
	}
	ret = pgstore_exec(s, "COMMIT", "cannot commit the migration", err);
	if (ret == 0)
		*to = v;
	return ret;
fail:
	pgstore_exec(s, "ROLLBACK", "rollback", junk);
	return ret;
}

int pgstore_check_schema(struct pgstore *s, char err[ERR_LEN])
{
	int ret, v;

	ret = pgstore_version(s, &v, err);
	if (ret < 0)
		return ret;
	if (v != PGSTORE_SCHEMA) {
		text_err(err,
			 "the store's schema is version %d, this vpnd needs %d: run "
			 "`vpnd store migrate`%s",
			 v, PGSTORE_SCHEMA, v > PGSTORE_SCHEMA ? " from a newer vpnd" : "");
		return -EPROTO;
	}
	return 0;
}

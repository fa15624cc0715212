# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# A PostgreSQL 15 server of the test's own, in a temporary directory: initdb
# and pg_ctl run as an unprivileged user (the server refuses root), it
# listens on a unix socket in that directory only, and trusts its local
# clients (nothing outside the test's directory can reach it). Use after
# lib.sh:
#   pg_start                    # PG_CONN: a libpq connection string for it
#   pg_stop; pg_start_again     # the same cluster down and up
# PG_FSYNC=on for a benchmark: the tests run without fsync, for speed.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${PG_USER:-nobody}
PG_DIR=""
PG_CONN=""

pg_as() { runuser -u "$PG_USER" -- "$@"; }

pg_start() {
	[ -x "$PG_BIN/initdb" ] || fail "no $PG_BIN/initdb: install postgresql-15"
	PG_DIR=$(mktemp -d /tmp/keygate-pg.XXXXXX)
	chown "$PG_USER" "$PG_DIR"
	# The socket's directory: vpnd's monitor reconnects after it gave up
	# CAP_DAC_OVERRIDE, as it would to /run/postgresql (its data stays 0700).
	chmod 0755 "$PG_DIR"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U keygate -E UTF8 --no-sync \
		>"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; fail "initdb failed"; }
	on_cleanup pg_cleanup
	pg_start_again
	pg_as "$PG_BIN/createdb" -h "$PG_DIR" -U keygate keygate || fail "createdb failed"
	PG_CONN="host=$PG_DIR user=keygate dbname=keygate connect_timeout=2"
}

pg_start_again() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
		-o "-k $PG_DIR -c listen_addresses= -c fsync=${PG_FSYNC:-off}" start >/dev/null ||
		{ cat "$PG_DIR/server.log" >&2; fail "PostgreSQL did not start"; }
}

pg_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
}

pg_cleanup() {
	[ -n "$PG_DIR" ] || return 0
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=""
}

# psql on the test's database, one value a line, no decoration.
pg_sql() { psql -X -q -t -A -h "$PG_DIR" -U keygate -d keygate -c "$1"; }

#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# The PostgreSQL store (docs/store.md) against a real PostgreSQL 15 of the
# test's own: the schema's migrations, import and export of the registry
# files byte for byte, the counter and spent-code columns winning over the
# lines, a password refused in Connection, and the store down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg-lib.sh"

VPND=${VPND:-$BUILD/vpnd/vpnd}
[ -x "$VPND" ] || fail "no $VPND: build first"
net_init
pg_start
umask 077
STATE=$NET_TMP/state
mkdir -p "$STATE" "$NET_TMP/etc"
CONF=$NET_TMP/etc/vpnd.conf
conf() {
	cat >"$CONF" <<CONF
[Interface]
Name = kgstore0
Address = 10.77.0.1/24
PrivateKey = $(wg genkey)
Endpoint = 192.0.2.1:51820
[Daemon]
StateDirectory = $STATE
ControlSocket = $NET_TMP/vpnd.sock
[Store]
Type = postgresql
Connection = $1
CONF
}
conf "$PG_CONN"
store() { "$VPND" store "$@" -c "$CONF"; }

# The files as vpnd writes them, with the fields of every kind of record:
# two owners, an active and a revoked key with who added it, a mobile peer
# with a preshared key, a key-recovery code.
exp=$(($(date +%s) + 86400))
cat >"$STATE/owners" <<'EOF2'
# keygate registry: owners. Written by vpnd; edit only while vpnd is stopped, or send it SIGHUP after.
owner alice require-uv=yes window=8h idle=off
key alice id=df9475d191c9724c0b6a1bd2a5ad040d alg=es256 public-key=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QA== credential=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw counter=42 state=active added=1700000000 by-key=- by-device=-
key alice id=70af7e8846b7212dc0dc4250eaff8248 alg=eddsa public-key=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA= credential=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w counter=0 state=revoked added=1700000100 by-key=df9475d191c9724c0b6a1bd2a5ad040d by-device=laptop
owner bob require-uv=no window=- idle=-
end 4
EOF2
cat >"$STATE/peers" <<'EOF2'
# keygate registry: peers. Written by vpnd; edit only while vpnd is stopped, or send it SIGHUP after.
peer laptop owner=alice kind=laptop public-key=yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= address=10.77.0.2 window=- idle=- state=enabled psk=- added=1700000000
peer phone owner=alice kind=mobile public-key=- address=10.77.0.3 window=1h idle=off state=disabled psk=AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM= added=1700000001
peer desk owner=bob kind=laptop public-key=- address=10.77.0.4 window=- idle=- state=enabled psk=- added=1700000002
end 3
EOF2
cat >"$STATE/codes" <<EOF2
# keygate registry: codes. Written by vpnd; edit only while vpnd is stopped, or send it SIGHUP after.
code abababababababababababababababababababababababababababababababab peer=phone expires=$exp new-key=no
code cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd peer=desk expires=$exp new-key=yes
end 2
EOF2

log "a database without the schema is refused, with what to do"
out=$(store export --to "$NET_TMP/x" 2>&1) && fail "export before migrate worked"
grep -q "version 0, this vpnd needs 1: run .vpnd store migrate." <<<"$out" || fail "message: $out"

log "without libpq (vpnd loads it for a store only): refused, saying what is missing"
libpq=$(ldconfig -p | awk '$1 == "libpq.so.5" { print $NF; exit }')
[ -n "$libpq" ] || fail "no libpq.so.5 in the loader's cache"
: >"$NET_TMP/empty.so"
# shellcheck disable=SC2016 # expanded by the inner shell
out=$(unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
	"$NET_TMP/empty.so" "$(readlink -f "$libpq")" "$VPND" store migrate -c "$CONF" 2>&1) &&
	fail "a store opened without libpq"
grep -q "needs libpq (libpq.so.5" <<<"$out" || fail "message without libpq: $out"
readelf -d "$VPND" | grep -q 'NEEDED.*libpq' && fail "vpnd links libpq: every gateway maps it"

log "migrate: once, then nothing to do"
out=$(must store migrate)
[ "$out" = "schema migrated from version 0 to 1" ] || fail "migrate said: $out"
out=$(must store migrate)
[ "$out" = "schema at version 1: nothing to do" ] || fail "second migrate said: $out"
[ "$(pg_sql 'SELECT max(version) FROM schema_version')" = 1 ] || fail "no version row"

log "import: every record a row, the line as its payload"
must store import >/dev/null
[ "$(pg_sql 'SELECT count(*) FROM owners')" = 2 ] || fail "owners not imported"
[ "$(pg_sql "SELECT counter FROM keys WHERE id = 'df9475d191c9724c0b6a1bd2a5ad040d'")" = 42 ] ||
	fail "the counter column is not the file's"
[ "$(pg_sql "SELECT line FROM peers WHERE name = 'desk'")" = "$(grep '^peer desk ' "$STATE/peers")" ] ||
	fail "a peer's row is not its line"
out=$(store import 2>&1) && fail "a second import replaced the registry without --replace"
grep -q "holds a registry already (import --replace replaces it)" <<<"$out" || fail "message: $out"
must store import --replace >/dev/null

log "export: byte for byte what was imported"
must store export --to "$NET_TMP/out" >/dev/null
for f in owners peers codes; do
	cmp "$STATE/$f" "$NET_TMP/out/$f" || fail "$f differs after the round trip"
	[ "$(stat -c %a "$NET_TMP/out/$f")" = 600 ] || fail "$f is not mode 0600"
done

log "the columns the gateways advance win over the lines"
# What a gateway's conditional updates do: the counter grows only, a code
# is spent once.
[ "$(pg_sql "UPDATE keys SET counter = 57 WHERE id = 'df9475d191c9724c0b6a1bd2a5ad040d' AND counter < 57 RETURNING counter")" = 57 ] ||
	fail "the counter did not advance"
[ -z "$(pg_sql "UPDATE keys SET counter = 50 WHERE id = 'df9475d191c9724c0b6a1bd2a5ad040d' AND counter < 50 RETURNING counter")" ] ||
	fail "a lower counter was taken"
[ "$(pg_sql "UPDATE codes SET spent = true WHERE hash LIKE 'abab%' AND NOT spent RETURNING 1")" = 1 ] ||
	fail "the code was not spent"
[ -z "$(pg_sql "UPDATE codes SET spent = true WHERE hash LIKE 'abab%' AND NOT spent RETURNING 1")" ] ||
	fail "a code was spent twice"
must store export --to "$NET_TMP/out2" >/dev/null
grep -q "^key alice id=df9475d191c9724c0b6a1bd2a5ad040d .* counter=57 state=active " \
	"$NET_TMP/out2/owners" || fail "export lacks the new counter: $(cat "$NET_TMP/out2/owners")"
grep -q abab "$NET_TMP/out2/codes" && fail "a spent code was exported"
tail -n 1 "$NET_TMP/out2/codes" | grep -qx "end 1" || fail "codes: end not counted again"
cmp "$STATE/peers" "$NET_TMP/out2/peers" || fail "peers changed"
# And what was exported imports again, and exports the same.
must "$VPND" store import --replace --from "$NET_TMP/out2" -c "$CONF" >/dev/null
must store export --to "$NET_TMP/out3" >/dev/null
for f in owners peers codes; do
	cmp "$NET_TMP/out2/$f" "$NET_TMP/out3/$f" || fail "$f differs after the second round trip"
done

log "a broken file is refused with its line, and the store keeps what it had"
sed 's/address=10.77.0.4/address=10.77.0.300/' "$STATE/peers" >"$NET_TMP/peers.bad"
mkdir -p "$NET_TMP/bad" && cp "$STATE/owners" "$STATE/codes" "$NET_TMP/bad/" &&
	cp "$NET_TMP/peers.bad" "$NET_TMP/bad/peers"
out=$("$VPND" store import --replace --from "$NET_TMP/bad" -c "$CONF" 2>&1) &&
	fail "a broken peers file was imported"
grep -q "peers:4: .*10.77.0.300" <<<"$out" || fail "message: $out"
[ "$(pg_sql 'SELECT count(*) FROM peers')" = 3 ] || fail "the store lost its peers"

log "a password in Connection is refused, and not repeated"
conf "$PG_CONN password=hunter2"
out=$(store export --to "$NET_TMP/x" 2>&1) && fail "a password in Connection was taken"
grep -q "holds a password; name a file with passfile=" <<<"$out" || fail "message: $out"
grep -q hunter2 <<<"$out" && fail "the message repeats the password"
conf "$PG_CONN"

log "the store down: a clear error, nothing written"
pg_stop
out=$(store export --to "$NET_TMP/down" 2>&1) && fail "export worked with the store down"
grep -q "cannot connect to the store" <<<"$out" || fail "message: $out"
[ ! -e "$NET_TMP/down/owners" ] || fail "export wrote a file with the store down"
pg_start_again
must store export --to "$NET_TMP/up" >/dev/null
cmp "$NET_TMP/out3/owners" "$NET_TMP/up/owners" || fail "the store changed across a restart"

pass

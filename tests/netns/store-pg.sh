#!/bin/bash
# SPDX-License-Identifier: ISC
#
# A gateway on the PostgreSQL store (docs/store.md), with a real PostgreSQL
# 15 of the test's own, wireguard-go, enroll and softkey: the registry
# lives in the store (admin changes and enrollments write there, a code is
# spent there), an activation takes its sign counter there first (one taken
# by another gateway is refused; the store's transaction failing refuses
# it and takes nothing); the store stopped: activations refused
# with "store unavailable", a window still ends on time, an admin change is
# refused as not in the store; the store back: activations again within
# seconds; vpnd started with the store down starts fail-closed and says why;
# the interface made dual-stack and vpnd reloaded: the addresses filled in
# then are in the store at once.
. "$(dirname "$0")/activation-lib.sh"
. "$(dirname "$0")/pg-lib.sh"
act_hosts
pg_start
GW_PUB=$(must "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 --state-dir "$NET_TMP/state" \
	--control-socket "$NET_TMP/run/vpnd.sock") || fail "vpnd init failed"
printf '\n[Store]\nType = postgresql\nConnection = %s\n' "$PG_CONN" >>"$CONF"
on_cleanup act_teardown
must "$VPND" store migrate -c "$CONF" >/dev/null
vpnd_start
softkey_start key1 --pin "$PIN"
up() { enroll_as key1 "$PIN" -- up "$LIF" 2>&1; }

log "admin changes and an enrollment are in the store"
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
[ "$(pg_sql "SELECT count(*) FROM peers WHERE name = 'laptop'")" = 1 ] ||
	fail "the new peer is not in the store"
[ "$(pg_sql 'SELECT count(*) FROM codes WHERE NOT spent')" = 1 ] || fail "its code is not in the store"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
[ "$(pg_sql 'SELECT count(*) FROM codes WHERE NOT spent')" = 0 ] || fail "the code is not spent in the store"
[ "$(pg_sql "SELECT count(*) FROM keys WHERE owner = 'alice'")" = 1 ] || fail "the key is not in the store"
pg_sql "SELECT line FROM peers WHERE name = 'laptop'" | grep -q "public-key=[A-Za-z0-9+/]\{43\}=" ||
	fail "the peer's key is not in the store"

log "an activation takes its counter in the store"
out=$(up) || fail "up failed: $out"
c1=$(pg_sql "SELECT counter FROM keys WHERE owner = 'alice'")
[ "$c1" -gt 0 ] || fail "the store's counter did not advance ($c1)"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after up"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
# Another gateway took later counters of this key: this one's next
# assertion carries a counter that gateway had, and is refused.
pg_sql "UPDATE keys SET counter = counter + 1000 WHERE owner = 'alice'" >/dev/null
out=$(up) && fail "an activation with a counter another gateway took was granted"
grep -q "counter went backwards" <<<"$out" || fail "unclear refusal: $out"
grep -q "counter .* was taken on another gateway first" "$NET_TMP/vpnd.log" ||
	fail "the log does not say why"
[ -z "$(gw_peers)" ] || fail "the refused peer is on the interface"
pg_sql "UPDATE keys SET counter = 0 WHERE owner = 'alice'" >/dev/null

log "the store's transaction failing: refused, nothing taken, the next one granted"
# The batch's transaction takes the counter, then its session row fails:
# the whole transaction goes, and the activation is not granted.
pg_sql "CREATE FUNCTION kg_fail() RETURNS trigger LANGUAGE plpgsql AS \$\$
	BEGIN RAISE EXCEPTION 'refused by the test'; END \$\$;
	CREATE TRIGGER kg_fail BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION kg_fail()" >/dev/null
out=$(up) && fail "an activation was granted though the store's transaction failed"
grep -q "store unavailable" <<<"$out" || fail "the refusal does not say why: $out"
grep -q "activation refused: cannot write the counters to the store: .*refused by the test" \
	"$NET_TMP/vpnd.log" || fail "the log does not say why"
[ "$(pg_sql "SELECT counter FROM keys WHERE owner = 'alice'")" = 0 ] ||
	fail "the failed transaction left its counter in the store"
[ "$(pg_sql "SELECT count(*) FROM sessions")" = 0 ] || fail "a session row was left"
[ -z "$(gw_peers)" ] || fail "the refused peer is on the interface"
pg_sql "DROP TRIGGER kg_fail ON sessions" >/dev/null
out=$(up) || { tail -20 "$NET_TMP/vpnd.log" >&2; fail "up after the failed transaction failed: $out"; }
[ "$(pg_sql "SELECT count(*) FROM sessions")" = 1 ] || fail "no session row after up"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
must vpnd_cmd owner set alice --window 3s >/dev/null
pg_sql "SELECT line FROM owners WHERE name = 'alice'" | grep -q "window=3s" ||
	fail "owner set did not reach the store: $(pg_sql "SELECT line FROM owners")"

log "the store stopped: a window still ends on time, nothing new is granted"
out=$(up) || fail "up failed: $out"
opened=$(date +%s.%N)
pg_stop
wait_for 6 sh -c "[ -z \"\$(ip netns exec $(ns_name gw) wg show $GWIF peers)\" ]" ||
	fail "the session outlived its window with the store down"
took=$(echo "$(date +%s.%N) - $opened" | bc)
[ "$(echo "$took < 4.5" | bc)" = 1 ] || fail "the 3 s window ended after $took s"
out=$(up) && fail "an activation was granted with the store down"
grep -q "store unavailable" <<<"$out" || fail "the refusal does not say why: $out"
grep -q "event=activation-refused op=activate peer=laptop reason=store_unavailable" \
	"$NET_TMP/vpnd.log" || fail "no audit line for the refusal"
out=$(vpnd_cmd peer add other --owner alice 2>&1) && fail "an admin change was saved with the store down"
grep -q "not in the store" <<<"$out" || fail "peer add said: $out"

log "the store back: activations again"
pg_start_again
wait_for 5 sh -c "grep -q 'the store is back' $NET_TMP/vpnd.log" || { tail -20 "$NET_TMP/vpnd.log" >&2; fail "vpnd did not reconnect"; }
out=$(up) || fail "up after the store came back failed: $out"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after the store came back"
[ "$(pg_sql "SELECT count(*) FROM peers WHERE name = 'other'")" = 1 ] ||
	fail "the change made while the store was down did not reach it"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null

log "started with the store down: fail-closed, and says why"
vpnd_stop
pg_stop
vpnd_start
grep -q "store unavailable: .*starting fail-closed" "$NET_TMP/vpnd.log" || fail "the log does not say why"
[ -z "$(gw_peers)" ] || fail "a peer is on the interface"
out=$(up) && fail "an activation was granted on a fail-closed start"
grep -q "store unavailable" <<<"$out" || fail "the refusal does not say why: $out"
pg_start_again
wait_for 5 sh -c "grep -c 'the store is back' $NET_TMP/vpnd.log | grep -qx 2" ||
	fail "vpnd did not reconnect after a fail-closed start"
out=$(up) || fail "up after a fail-closed start failed: $out"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after a fail-closed start"

log "the interface become dual-stack: the addresses a reload fills in reach the store"
# A reload saves nothing else (a start would: its compaction pushes all).
sed -i '0,/^Address = /s|^\(Address = .*\)$|\1, fd77::1/64|' "$CONF"
kill -HUP "$VPND_PID"
wait_for 5 sh -c "grep -q 'got an address of each tunnel network' $NET_TMP/vpnd.log" ||
	fail "the reload filled in no address"
in_store_v6() { pg_sql "SELECT line FROM peers WHERE name = 'laptop'" | grep -q "fd77::"; }
wait_for 3 in_store_v6 ||
	fail "the filled IPv6 address is not in the store: $(pg_sql "SELECT line FROM peers")"
pass "registry, codes and counters in the store; store down: windows end, activations refused; back: catches up; fail-closed start; filled addresses pushed"

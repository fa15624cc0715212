#!/bin/bash
# SPDX-License-Identifier: ISC
# A crash in the middle of a flood of activations loses nothing that was
# granted. Eight devices (the daemon benchmark's clients, bench/act-flood)
# activate round and round, one exchange each at a time, and print every
# activation answered OK with its sign counter; vpnd is killed with
# SIGKILL in the middle, three times, and started again each time. After
# each restart every key's sign counter is at least the one of the last
# activation granted before the kill (the journal had it on disk before
# the reply went out), the journal is not refused, and the enrollment
# codes the devices spent stay spent.
. "$(dirname "$0")/activation-lib.sh"
FLOOD=$BUILD/bench/act-flood
act_hosts "$FLOOD"
on_cleanup act_teardown
in_ns laptop ip route add local 10.200.0.0/16 dev lo || fail "cannot add the clients' /16"
in_ns gw ip route add 10.200.0.0/16 via 192.0.2.2 || fail "cannot route the clients' /16"
STATE=$NET_TMP/state
must "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 --state-dir "$STATE" \
	--control-socket "$NET_TMP/run/vpnd.sock" >/dev/null
# The default limit (200 a second) would be what the flood meets.
echo "ActivationRate = 10000" >>"$CONF"
vpnd_start
: >"$NET_TMP/uris"
for i in $(seq 8); do
	vpnd_cmd peer add "dev$i" --owner "o$i" >>"$NET_TMP/uris" || fail "peer add dev$i failed"
done

OUT=$NET_TMP/flood.out
in_ns laptop "$FLOOD" "$NET_TMP/uris" 10.200.0.0 16 >"$OUT" 2>&1 &
flood=$!
wait_for 10 grep -q '^enrolled 8' "$OUT" || fail "the devices did not enroll: $(cat "$OUT")"

counter_of() {
	vpnd_cmd key list "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["counter"])'
}

for round in 1 2 3; do
	# Somewhere in the middle of the flood.
	sleep "2.$((RANDOM % 10))"
	kill -KILL "$VPND_PID"
	wait "$VPND_PID" 2>/dev/null
	VPND_PID=""
	# Replies already on their way are in before this.
	sleep 0.5
	# The last counter granted per device before the kill.
	awk '$1 == "granted" { last[$2] = $3 } END { for (d in last) print d, last[d] }' \
		"$OUT" >"$NET_TMP/granted-$round"
	[ -s "$STATE/journal" ] || fail "no journal in $STATE"
	vpnd_start
	grep -q "corrupt journal" "$NET_TMP/vpnd.log" && fail "the journal was refused after a kill"
	n=0
	while read -r name granted; do
		owner=o${name#dev}
		now=$(counter_of "$owner")
		[ "$now" -ge "$granted" ] ||
			fail "round $round: $owner's counter is $now after the restart, but $granted was granted"
		n=$((n + 1))
	done <"$NET_TMP/granted-$round"
	[ "$n" -gt 0 ] || fail "round $round: no activation was granted before the kill: $(cat "$OUT")"
	log "round $round: $(grep -c '^granted ' "$OUT") granted so far, $n devices checked"
done
wait "$flood" || fail "act-flood failed: $(tail -n 5 "$OUT")"
log "$(tail -n 1 "$OUT")"
grep -q "event=journal-torn" "$NET_TMP/vpnd.log" && log "a torn last record was dropped at a restart"

# The codes the devices spent stay spent.
out=$(in_ns laptop "$FLOOD" "$NET_TMP/uris" 10.200.0.0 1 2>&1) &&
	fail "the spent codes enrolled again: $out"
grep -q "unknown or was already used" <<<"$out" ||
	fail "the spent codes were not refused as used: $out"

# Damage, not a crash: a record whose checksum fails with a whole record
# after it. vpnd refuses to start, names the record's offset, and leaves
# the journal as it was for the admin.
id=$(vpnd_cmd key list o1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
vpnd_stop
python3 - "$STATE/journal" "$id" <<'PY'
import hashlib, sys
path, key = sys.argv[1], sys.argv[2]
def rec(body):
    return body + b" " + hashlib.blake2b(body, digest_size=8).hexdigest().encode() + b"\n"
with open(path, "ab") as f:
    f.write(rec(b"c 1000000 o1 " + key.encode() + b" 4000000000").replace(b"4000000000", b"4000000001", 1))
    f.write(rec(b"c 1000001 o1 " + key.encode() + b" 4000000002"))
PY
cp "$STATE/journal" "$NET_TMP/journal.damaged"
off=$(head -n 1 "$STATE/journal" | wc -c)
err=$(timeout 20 ip netns exec "$(ns_name gw)" "$VPND" run -c "$CONF" 2>&1) &&
	fail "vpnd started over a damaged journal"
grep -q "corrupt journal, refusing it: $STATE/journal: corrupt record at offset $off" <<<"$err" ||
	fail "the refusal does not name the record's offset $off: $err"
cmp -s "$STATE/journal" "$NET_TMP/journal.damaged" || fail "the refused journal was changed"
pass "three SIGKILLs in a flood of activations: no granted counter went back, spent codes stayed spent; a damaged journal is refused by offset and kept"

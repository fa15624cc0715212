#!/bin/bash
# SPDX-License-Identifier: ISC
# The lockout of a credential, end to end with the real keys, gateway and
# interface. Five assertions that do not verify (kg-actprobe has alice's key
# sign a clientDataHash made for another peer) lock that key: an audit line,
# vpnd status and key list say so. A correct `enroll up` with it is then
# refused with the lock's own line, while her backup key still activates.
# The admin's unlock lets the first key in again.
. "$(dirname "$0")/activation-lib.sh"
PROBE=${PROBE:-$BUILD/tests/tools/kg-actprobe}
[ -x "$PROBE" ] || fail "no $PROBE: build first"
act_setup
softkey_start key1 --pin "$PIN"
softkey_start key2 --pin "$PIN"

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
must in_ns laptop "$ENROLL" add-key --device "unix:$NET_TMP/key2.sock" \
	--auth-device "unix:$NET_TMP/key1.sock" --config-dir "$WGDIR" --interface "$LIF" \
	--timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN
$PIN" >/dev/null
# key_field INDEX FIELD: from `vpnd key list alice --json`, in the order
# the keys were added.
key_field() {
	vpnd_cmd key list alice --json | python3 -c '
import json, sys
print(json.load(sys.stdin)[int(sys.argv[1])][sys.argv[2]])' "$1" "$2"
}
key1=$(key_field 0 id) && key2=$(key_field 1 id) || fail "no two keys: $(vpnd_cmd key list)"
[ "$key1" != "$key2" ] || fail "both keys have the id $key1"

# status_is FIELD VALUE: a JSON number in `vpnd status --json`.
status_is() {
	vpnd_cmd status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
v = s[sys.argv[1]]
assert isinstance(v, int) and v == int(sys.argv[2]), (sys.argv[1], v)' "$1" "$2" ||
		fail "status: $1 is not $2: $(vpnd_cmd status)"
}

# Five failures lock it, and the fifth is the one audited.
other=$(wg genkey | wg pubkey)
for i in 1 2 3 4 5; do
	[ "$i" = 5 ] || status_is act-keys-locked 0
	err=$(in_ns laptop env KG_CDH_PEER="$other" "$PROBE" --device "unix:$NET_TMP/key1.sock" \
		--config-dir "$WGDIR" --interface "$LIF" --timeout 500 --tries 4 --pin-fd 3 \
		3<<<"$PIN" 2>&1 >/dev/null) && fail "a bent assertion ($i) was accepted"
	printf '%s\n' "$err" | grep -q "signature did not verify" || fail "failure $i: $err"
done
grep -q "event=key-locked owner=alice key=$key1 failures=5 for=900s" "$NET_TMP/vpnd.log" ||
	fail "no key-locked audit line: $(grep event= "$NET_TMP/vpnd.log")"
[ "$(grep -c "event=key-locked" "$NET_TMP/vpnd.log")" = 1 ] || fail "more than one key-locked line"
status_is act-keys-locked 1
status_is act-locked-refusals 0
[ "$(key_field 0 state)" = locked ] || fail "key list: $(vpnd_cmd key list alice)"
left=$(key_field 0 locked-left)
[ "$left" -gt 840 ] && [ "$left" -le 900 ] || fail "locked-left is $left"
[ "$(key_field 1 state)" = active ] || fail "the backup key is not active: $(vpnd_cmd key list)"

# The right assertion with the locked key: refused, with its own line.
err=$(enroll_as key1 "$PIN" -- up "$LIF" 2>&1 >/dev/null) && fail "a locked key activated"
[ "$err" = "enroll: up: this security key is locked after repeated failed attempts; try again in 15 minutes or ask the admin" ] ||
	fail "the locked refusal said: $err"
[ -z "$(gw_peers)" ] || fail "a locked key put the peer on the interface"
grep -q "event=activation-refused op=activate peer=laptop reason=key_locked" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the locked refusal"
status_is act-locked-refusals 1
log "locked: $err"

# The backup key of the same owner, for the same peer, is not locked.
must enroll_as key2 "$PIN" -- up "$LIF" >/dev/null
[ -n "$(gw_peers)" ] || fail "the backup key did not put the peer on the interface"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping with the backup key"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
[ -z "$(gw_peers)" ] || fail "down left the peer on the interface"

# The admin unlocks: the first key works again, and the lock is gone.
must vpnd_cmd key unlock alice "$key1"
grep -q "event=key-unlock owner=alice key=$key1 was=locked by=" "$NET_TMP/vpnd.log" ||
	fail "no key-unlock audit line"
status_is act-keys-locked 0
[ "$(key_field 0 state)" = active ] || fail "still locked: $(vpnd_cmd key list alice)"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
[ -n "$(gw_peers)" ] || fail "the unlocked key did not activate"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
err=$(vpnd_cmd key unlock alice 00000000deadbeef 2>&1) && fail "unlocked a key that does not exist"
printf '%s\n' "$err" | grep -q "owner 'alice' has no key '00000000deadbeef'" || fail "unlock: $err"
err=$(vpnd_cmd key unlock alice nosuchkey 2>&1) && fail "unlocked a key named by no key ID"
printf '%s\n' "$err" | grep -q "invalid key ID 'nosuchkey': give 8 to 32 hex digits" || fail "unlock: $err"
pass "five failures lock a key (audited, counted, listed); refused with its own line; backup key works; unlock"

#!/bin/bash
# SPDX-License-Identifier: ISC
# What vpnd cannot save it does not grant. The state directory is a small
# tmpfs that the test makes read-only under the running gateway: an
# enrollment, an activation and a key addition are then refused with a
# line that says the gateway could not save its state, audited so, and
# nothing changes, in memory as on disk: after the directory is writable
# again and vpnd restarted, the same code still enrolls and the key's sign
# counter is the one stored before.
. "$(dirname "$0")/activation-lib.sh"
act_hosts
STATE=$NET_TMP/state
mkdir -p "$STATE"
mount -t tmpfs -o size=4m,mode=0700 keygate-state "$STATE" || fail "cannot mount a tmpfs on $STATE"
on_cleanup "umount -l '$STATE'"
GW_PUB=$(must "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 --state-dir "$STATE" \
	--control-socket "$NET_TMP/run/vpnd.sock") || fail "vpnd init failed"
on_cleanup act_teardown
vpnd_start
softkey_start key1 --pin "$PIN"
softkey_start key2 --pin "$PIN"

# The superblock's flag: read-only for every mount of it, vpnd's too.
state_ro() { mount -o remount,ro "$STATE" || fail "cannot make $STATE read-only"; }
state_rw() { mount -o remount,rw "$STATE" || fail "cannot make $STATE writable"; }
# refused_unsaved CMD...: one line that says the state could not be saved.
refused_unsaved() {
	local err
	err=$("$@" 2>&1 >/dev/null) && fail "accepted with a read-only state directory: $*"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "more than one line: $err"
	printf '%s\n' "$err" | grep -q "could not save its state" || fail "unclear refusal: $err"
	log "refused: $err"
}
counter() {
	vpnd_cmd key list alice --json | python3 -c '
import json, sys
print(json.load(sys.stdin)[int(sys.argv[1])]["counter"])' "${1:-0}"
}
restart() {
	vpnd_stop
	vpnd_start
}

# An enrollment: refused, and its code is not spent.
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
state_ro
refused_unsaved enroll_as key1 "$PIN" -- register "$uri"
grep -q "event=activation-refused op=enroll peer=laptop reason=state_not_saved" \
	"$NET_TMP/vpnd.log" || fail "no audit line says the state was not saved"
[ ! -e "$WGDIR/$LIF.conf" ] || fail "a refused enrollment wrote a config"
vpnd_cmd key list alice --json | grep -q '^\[\]$' || fail "a key is in memory: $(vpnd_cmd key list alice)"
vpnd_cmd code list | grep -q '^laptop ' || fail "the code is gone from memory: $(vpnd_cmd code list)"
state_rw
restart
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null

# An activation: the grown counter cannot be saved, so nothing opens, and
# the counter stays, in memory and after a restart.
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
before=$(counter)
[ "$before" -gt 0 ] || fail "softkey's counter did not grow: $before"
state_ro
refused_unsaved enroll_as key1 "$PIN" -- up "$LIF"
grep -q "event=activation-refused op=activate peer=laptop reason=state_not_saved" \
	"$NET_TMP/vpnd.log" || fail "no audit line for the activation"
[ -z "$(gw_peers)" ] || fail "an activation that could not be saved opened a session"
[ "$(counter)" = "$before" ] || fail "the counter in memory is $(counter), on disk $before"
# A key addition, too.
refused_unsaved in_ns laptop "$ENROLL" add-key --device "unix:$NET_TMP/key2.sock" \
	--auth-device "unix:$NET_TMP/key1.sock" --config-dir "$WGDIR" --interface "$LIF" \
	--timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN
$PIN"
grep -q "event=activation-refused op=add-key peer=laptop reason=state_not_saved" \
	"$NET_TMP/vpnd.log" || fail "no audit line for the key addition"
[ "$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
	fail "a key addition that could not be saved is in memory: $(vpnd_cmd key list alice)"
[ "$(counter)" = "$before" ] || fail "add-key moved the counter to $(counter)"
state_rw
restart
[ "$(counter)" = "$before" ] || fail "after a restart the counter is $(counter), not $before"
[ "$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
	fail "after a restart: $(vpnd_cmd key list alice)"
# Writable again: all works, and the counter grows.
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
[ -n "$(gw_peers)" ] || fail "no session once the state directory is writable"
[ "$(counter)" -gt "$before" ] || fail "the counter did not grow: $(counter)"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
pass "enrollment, activation and add-key refused when the registry cannot be saved; code and counter unchanged after a restart"

#!/bin/bash
# SPDX-License-Identifier: ISC
# What the clientDataHash and the request bind, refused end to end with the
# real key, gateway and interface: an assertion made for another gateway,
# one made for another peer, a client clock ten minutes off; and an
# enrollment code past its expiry. vpnd status counts each in its table.
. "$(dirname "$0")/activation-lib.sh"
PROBE=${PROBE:-$BUILD/tests/tools/kg-actprobe}
[ -x "$PROBE" ] || fail "no $PROBE: build first"
act_setup
softkey_start alice --pin "$PIN"

# probe [VAR=VALUE...]: kg-actprobe as `enroll up` would run it.
probe() {
	in_ns laptop env "$@" "$PROBE" --device "unix:$NET_TMP/alice.sock" --config-dir "$WGDIR" \
		--interface "$LIF" --timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN"
}

# refused WANT VAR=VALUE...: the probe fails with one line matching WANT,
# and the gateway's interface stays empty.
refused() {
	local want=$1 err
	shift
	err=$(probe "$@" 2>&1 >/dev/null) && fail "accepted: $*"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "more than one line: $err"
	printf '%s\n' "$err" | grep -q -- "$want" || fail "expected '$want', got: $err"
	[ -z "$(gw_peers)" ] || fail "refused ($*), yet a peer is on the interface"
	log "refused ($*): $err"
}

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as alice "$PIN" -- register "$uri" >/dev/null
phone=$(wg genkey | wg pubkey)
must vpnd_cmd peer add phone --owner alice --mobile --public-key "$phone" >/dev/null
other_gw=$(wg genkey | wg pubkey)

# The control: unbent, the probe activates (and the session is killed again).
# With the enrollment, that makes three ok replies below.
[ "$(probe)" = ok ] || fail "the probe itself does not activate"
must vpnd_cmd session kill laptop
[ -z "$(gw_peers)" ] || fail "session kill left the peer on the interface"

refused "signature did not verify" KG_CDH_GATEWAY="$other_gw"
refused "signature did not verify" KG_CDH_PEER="$phone"
refused "clock is 11m ahead of the gateway's" KG_TIME_OFFSET=700
refused "clock is 2h00m behind the gateway's" KG_TIME_OFFSET=-7200
# Within ten minutes the gateway does not mind.
[ "$(probe KG_TIME_OFFSET=-540)" = ok ] || fail "a clock 9 minutes behind was refused"
must vpnd_cmd session kill laptop
json=$(vpnd_cmd status --json) || fail "vpnd status failed"
printf '%s\n' "$json" | python3 -c '
import json, sys
s = json.load(sys.stdin)
s = s[0] if isinstance(s, list) else s
assert s["act-ok"] == 3 and s["act-refused"] == 4, s' || fail "not counted: $json"
# Counters are JSON numbers, for scripts: every act-* field and the child's.
printf '%s\n' "$json" | python3 -c '
import json, sys
s = json.load(sys.stdin)
counters = [k for k in s if k.startswith("act-")]
counters += ["netchild-pid", "netchild-restarts", "netchild-violations"]
assert len(counters) >= 20, counters
bad = [(k, s[k]) for k in counters if type(s[k]) is not int]
assert not bad, bad
assert isinstance(s["netchild-user"], str)' || fail "status --json: counters are not numbers: $json"

# An enrollment code past its expiry: made, then aged in the gateway's
# state while vpnd is stopped (the one thing this test cannot wait for).
uri2=$(vpnd_cmd peer add laptop2 --owner alice) || fail "peer add failed"
vpnd_stop
codes=$NET_TMP/state/codes
grep -q "peer=laptop2 " "$codes" || fail "no code for laptop2 in $codes: $(cat "$codes")"
sed -i "/peer=laptop2 /s/expires=[0-9]*/expires=$(($(date +%s) - 60))/" "$codes"
vpnd_start
err=$(in_ns laptop "$ENROLL" register "$uri2" --device "unix:$NET_TMP/alice.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface exp0 --timeout 500 --tries 4 3<<<"$PIN" 2>&1 >/dev/null) &&
	fail "an expired code enrolled"
printf '%s\n' "$err" | grep -q "enrollment code has expired" || fail "expired code: $err"
[ ! -e "$WGDIR/exp0.conf" ] || fail "an expired code left a wg-quick config"
log "refused (expired code): $err"

# The refusals are counted, in the table as in --json (the restart zeroed
# the counters: only the expired code is in them).
table=$(vpnd_cmd status) || fail "vpnd status failed"
for f in act-received act-drop-mac0 act-drop-mac1 act-drop-challenge act-drop-replay \
	act-requests act-ok act-refused; do
	printf '%s\n' "$table" | grep -Eq "^$f: +[0-9]+$" || fail "vpnd status has no $f: $table"
done
printf '%s\n' "$table" | grep -Eq "^act-refused: +1$" || fail "the refusal is not counted: $table"
pass "another gateway, another peer, clock skew, expired code; counted in vpnd status"

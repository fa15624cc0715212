#!/bin/bash
# SPDX-License-Identifier: ISC
# Each refusal the user can meet, explained in one line, and the tunnel
# stays shut: wrong PIN, presence refused, another owner's key, a U2F-only
# key where the owner's policy wants a PIN (and accepted where it does not),
# a reused code, garbage that is dropped without a word, and a captured
# request sent again.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start alice --pin "$PIN"
softkey_start bob --pin "$PIN"
softkey_start u2f --u2f-only

# refused CMD... : fails with exactly one line on stderr matching $WANT.
refused() {
	local err
	err=$("$@" 2>&1 >/dev/null) && fail "accepted: $*"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "more than one line: $err"
	printf '%s\n' "$err" | grep -q -- "$WANT" || fail "expected '$WANT', got: $err"
	log "refused: $err"
}

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as alice "$PIN" -- register "$uri" >/dev/null

WANT="wrong PIN (7 retries left)" refused enroll_as alice 1234 -- up "$LIF"
softkey_restart alice --pin "$PIN" --presence no
WANT="not touched" refused enroll_as alice "$PIN" -- up "$LIF"
softkey_restart alice --pin "$PIN"
# Bob's key is registered for bob's phone, not for alice's laptop.
uri_bob=$(vpnd_cmd peer add bobphone --owner bob --mobile --public-key "$(wg genkey | wg pubkey)") ||
	fail "peer add for bob failed"
must in_ns laptop "$ENROLL" register "$uri_bob" --device "unix:$NET_TMP/bob.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface bobif 3<<<"$PIN" >/dev/null
WANT="security key is not registered" refused enroll_as bob "$PIN" -- up "$LIF"
# Alice cannot activate bob's phone with her key.
WANT="not registered for the peer's owner" refused enroll_as alice "$PIN" -- activate bobphone
[ -z "$(gw_peers)" ] || fail "a refused activation left a peer on the interface"

# A U2F-only key: refused at enrollment when the policy wants a PIN...
# (a new owner's policy asks for user verification)
uri2=$(vpnd_cmd peer add carol-laptop --owner carol) || fail "peer add failed"
WANT="requires a PIN" refused in_ns laptop "$ENROLL" register "$uri2" --device "unix:$NET_TMP/u2f.sock" \
	--config-dir "$WGDIR" --interface carolif
# ...and accepted, with a fresh code, when the owner's policy does not.
must vpnd_cmd owner set carol --require-uv no
uri3=$(vpnd_cmd peer add carol-phone --owner carol --mobile --public-key "$(wg genkey | wg pubkey)") ||
	fail "peer add failed"
must in_ns laptop "$ENROLL" register "$uri3" --device "unix:$NET_TMP/u2f.sock" \
	--config-dir "$WGDIR" --interface carolif >/dev/null
out=$(in_ns laptop "$ENROLL" activate carol-phone --device "unix:$NET_TMP/u2f.sock" \
	--config-dir "$WGDIR" --interface carolif) || fail "U2F-only activation failed"
echo "$out" | grep -q "carol-phone is active until" || fail "activate said: $out"
must vpnd_cmd session kill carol-phone

# Codes: used, and unknown.
WANT="already used" refused in_ns laptop "$ENROLL" register "$uri" --device \
	"unix:$NET_TMP/alice.sock" --pin-fd 3 --config-dir "$WGDIR" --interface again 3<<<"$PIN"

# Garbage at the activation port: no answer at all.
ans=$(in_ns laptop python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
for size in (128, 1232, 56, 1000):
    s.sendto(bytes([3 if size == 1232 else 1, 1]) + os.urandom(size - 2), ("192.0.2.1", 51821))
try:
    print(len(s.recv(2048)))
except socket.timeout:
    print("none")')
[ "$ans" = none ] || fail "garbage got an answer of $ans bytes"
vpnd_cmd status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
s = s[0] if isinstance(s, list) else s
dropped = sum(int(s[k]) for k in ("act-drop-malformed", "act-drop-mac0", "act-drop-mac1"))
assert dropped >= 4, s' || fail "vpnd status does not count the garbage: $(vpnd_cmd status --json)"

# A captured REQUEST sent again is refused, counted, and opens nothing.
# The capture: a raw socket in the gateway host keeps the last request.
in_ns gw python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.settimeout(20)
open(sys.argv[1] + ".ready", "w").close()
while True:
    f = s.recv(65535)
    ip = f[14:]
    hl = (ip[0] & 15) * 4
    if ip[9] == 17 and int.from_bytes(ip[hl + 2:hl + 4], "big") == 51821 and len(ip) - hl - 8 == 1232:
        open(sys.argv[1], "wb").write(ip[hl + 8:])
        break' "$NET_TMP/request" &
sniffer=$!
wait_for 5 test -e "$NET_TMP/request.ready" || fail "the capture did not start"
must enroll_as alice "$PIN" -- activate laptop >/dev/null
wait "$sniffer" || fail "no request captured"
must vpnd_cmd session kill laptop
in_ns laptop python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 0))
s.sendto(open(sys.argv[1], "rb").read(), ("192.0.2.1", 51821))' "$NET_TMP/request" ||
	fail "could not replay the request"
replay_counted() {
	vpnd_cmd status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
s = s[0] if isinstance(s, list) else s
assert int(s["act-drop-challenge"]) + int(s["act-drop-replay"]) >= 1, s' 2>/dev/null
}
wait_for 5 replay_counted || fail "the replay was not counted: $(vpnd_cmd status --json)"
[ -z "$(gw_peers)" ] || fail "a replayed request opened a session"
pass "wrong PIN, no touch, other owner's key, U2F-only by policy, used code, garbage, replay"

#!/bin/bash
# SPDX-License-Identifier: ISC
# The activation key's rotation (docs/protocol.md 3.2): after `vpnd key
# rotate-activation --grace 5s` an enroll that holds the old key still
# activates within the grace and learns the new one; after the grace one
# that never learned it is refused with a line that names the rotation;
# new URIs carry the new key. Then the migration of a gateway of protocol
# version 1: its clients hold the key derived from the WireGuard key,
# which keeps working for a grace while they learn the new one.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start key1 --pin "$PIN"
LIF2=${LIF}2

status_field() {
	vpnd_cmd status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
state_key() { awk '$1 == "gateway-key" { print $3 }' "$WGDIR/$1.keygate"; }
b64url() { tr '+/' '-_' | tr -d '='; }

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
uri2=$(vpnd_cmd peer add laptop2 --owner alice --address 10.77.0.3) || fail "peer add failed"
must in_ns laptop "$ENROLL" register "$uri2" --device "unix:$NET_TMP/key1.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface "$LIF2" --timeout 500 --tries 4 3<<<"$PIN" >/dev/null
old=$(status_field activation-key)
[ "$(state_key "$LIF")" = "$old" ] && [ "$(state_key "$LIF2")" = "$old" ] ||
	fail "registered with another key than vpnd status shows"
case $uri in *"gw=$(b64url <<<"$old")&"*) ;; *) fail "the URI does not carry the activation key" ;; esac

# Bad grace: a usage error, nothing changes.
out=$(vpnd_cmd key rotate-activation --grace soon 2>&1) && fail "a bad grace was taken"
echo "$out" | grep -q "invalid grace 'soon'" || fail "unclear refusal of a bad grace: $out"
[ "$(status_field activation-key)" = "$old" ] || fail "a refused rotation changed the key"

child=$(status_field netchild-pid)
out=$(vpnd_cmd key rotate-activation --grace 5s) || fail "rotate-activation failed: $out"
rotated=$(date +%s)
new=$(status_field activation-key)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "the key did not change"
[ "$(status_field activation-key-previous)" = "$old" ] || fail "the old key is not the previous one"
echo "$out" | grep -q "$new" || fail "rotate-activation did not print the new key: $out"
# Base64 ends in '=': audit lines quote such values.
grep -qF "event=activation-key-rotated key=\"$new\" previous=\"$old\" grace=5s" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the rotation"
grep -q "^previous " "$NET_TMP/state/activation.key" || fail "the file holds no previous key"
[ "$(stat -c %a "$NET_TMP/state/activation.key")" = 600 ] || fail "the key file is not 0600"
# The network child holds the keys: a new one took them.
child_changed() { [ "$(status_field netchild-pid)" != "$child" ]; }
wait_for 5 child_changed || fail "the network child kept running with the old keys"

# Within the grace: the old key activates, and the reply tells the new one.
out=$(enroll_as key1 "$PIN" -- up "$LIF" 2>&1) || fail "up with the old key failed: $out"
echo "$out" | grep -q "is active until" || fail "up said: $out"
echo "$out" | grep -q "activation key was rotated" || fail "up did not say it learned a key: $out"
[ "$(state_key "$LIF")" = "$new" ] || fail "$LIF.keygate still holds the old key"
[ "$(state_key "$LIF2")" = "$old" ] || fail "$LIF2.keygate changed without an exchange"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after up with the old key"
# New URIs carry the new key.
uri3=$(vpnd_cmd peer add phone --owner alice --mobile) || fail "peer add failed"
case $uri3 in *"gw=$(b64url <<<"$new")&"*) ;; *) fail "a new URI does not carry the new key: $uri3" ;; esac

# After the grace: whoever never learned the key hears that it was rotated.
left=$((rotated + 6 - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
out=$(enroll_as key1 "$PIN" -- up "$LIF2" 2>&1) && fail "the old key worked after the grace"
echo "$out" | grep -q "activation key was rotated" || fail "the refusal does not name the rotation: $out"
[ "$(status_field act-retired-key)" -gt 0 ] || fail "no act-retired-key counted"
[ "$(status_field activation-key-previous)" = None ] || fail "the previous key is still accepted"
wait_for 3 grep -qF "event=activation-key-retired key=\"$old\"" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the end of the grace"
grep -q "^previous " "$NET_TMP/state/activation.key" && fail "the file still holds the old secret"
grep -q "^retired " "$NET_TMP/state/activation.key" || fail "the file forgot the retired key"
# The one that learned it goes on.
out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR" 2>&1) || fail "status failed: $out"
echo "$out" | grep -q "is active until" || fail "status with the new key said: $out"

# A restart keeps the key.
vpnd_stop
vpnd_start
[ "$(status_field activation-key)" = "$new" ] || fail "a restart changed the activation key"

# --- the migration of a gateway of version 1 ---------------------------------
# Its key was derived from the WireGuard key; its clients hold that.
derived=$(/usr/bin/python3 - "$NET_TMP/etc/$GWIF.key" <<'PY'
import base64, hashlib, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization as ser
w = base64.b64decode(open(sys.argv[1]).read().strip())
g = bytearray(hashlib.blake2b(b"keygate-activation-key-v1", digest_size=32, key=w).digest())
g[0] &= 248; g[31] = (g[31] & 127) | 64
pk = X25519PrivateKey.from_private_bytes(bytes(g)).public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
print(base64.b64encode(pk).decode())
PY
)
vpnd_stop
rm -f "$NET_TMP/state/activation.key"
sed -i "s|^gateway-key = .*|gateway-key = $derived|" "$WGDIR/$LIF.keygate"
vpnd_start
migrated=$(status_field activation-key)
[ "$migrated" != "$derived" ] && [ "$migrated" != "$new" ] || fail "no fresh key at the migration"
[ "$(status_field activation-key-previous)" = "$derived" ] ||
	fail "the migration does not accept the derived key"
grep -qF "event=activation-key-migrated key=\"$migrated\" previous=\"$derived\"" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the migration"
out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR" 2>&1) ||
	fail "a client of the derived key was refused: $out"
echo "$out" | grep -q "activation key was rotated" || fail "status did not learn the key: $out"
[ "$(state_key "$LIF")" = "$migrated" ] || fail "$LIF.keygate did not learn the migrated key"
pass "rotation: old key in the grace, learned, refused after it with a clear line; migration"

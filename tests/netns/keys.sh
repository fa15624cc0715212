#!/bin/bash
# SPDX-License-Identifier: ISC
# Security keys as the admin sees them, end to end with the real gateway,
# enroll and softkeys: key IDs of 128 bits, named by any unique prefix of
# at least 8 hex digits (an ambiguous one refused naming the candidates);
# an owners file with the 8-digit IDs of older versions migrates on load;
# a key is added only by a key and an enabled laptop of the owner together,
# and `vpnd key list` says which key and which device added it; revoking
# with --cascade takes every key added under the revoked one, audited per
# key.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start key1 --pin "$PIN"
softkey_start key2 --pin "$PIN"
softkey_start key3 --pin "$PIN"

# refused WANT CMD...: exit 1, exactly one line on stderr matching WANT.
refused() {
	local want=$1 err
	shift
	err=$("$@" 2>&1 >/dev/null) && fail "accepted: $*"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "more than one line: $err"
	printf '%s\n' "$err" | grep -q -- "$want" || fail "expected '$want', got: $err"
	log "refused: $err"
}
# key_field OWNER INDEX FIELD: from `vpnd key list OWNER --json`.
key_field() {
	vpnd_cmd key list "$1" --json | python3 -c '
import json, sys
v = json.load(sys.stdin)[int(sys.argv[1])][sys.argv[2]]
print("-" if v is None else v)' "$2" "$3"
}
# add_key NEW OLD [IF]: enroll add-key from the laptop.
add_key() {
	in_ns laptop "$ENROLL" add-key --device "unix:$NET_TMP/$1.sock" \
		--auth-device "unix:$NET_TMP/$2.sock" --config-dir "$WGDIR" --interface "${3:-$LIF}" \
		--timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN
$PIN"
}

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
k1=$(key_field alice 0 id)
[[ $k1 =~ ^[0-9a-f]{32}$ ]] || fail "a key ID of 128 bits is 32 hex digits, not '$k1'"
[ "$(key_field alice 0 by-key)" = - ] && [ "$(key_field alice 0 by-device)" = - ] ||
	fail "a key enrolled by code was added by nobody: $(vpnd_cmd key list alice --json)"
grep -q "event=enrolled peer=laptop owner=alice key=$k1 " "$NET_TMP/vpnd.log" ||
	fail "the audit line does not carry the whole ID: $(grep event=enrolled "$NET_TMP/vpnd.log")"

# A key and a laptop add a key; the list says which.
must add_key key2 key1 >/dev/null
k2=$(key_field alice 1 id)
[ "$(key_field alice 1 by-key)" = "$k1" ] && [ "$(key_field alice 1 by-device)" = laptop ] ||
	fail "key list does not say who added key2: $(vpnd_cmd key list alice --json)"
grep -q "event=key-added owner=alice key=$k2 by-key=$k1 by-device=laptop" "$NET_TMP/vpnd.log" ||
	fail "no key-added audit line with both IDs whole: $(grep event=key-added "$NET_TMP/vpnd.log")"
# The table shows a prefix of each ID, long enough to name one key.
table=$(vpnd_cmd key list alice) || fail "key list failed"
printf '%s\n' "$table" | grep -q "^alice  *${k1:0:12}" || fail "key list: $table"
printf '%s\n' "$table" | grep -q "$k1" && fail "the table shows whole IDs: $table"
printf '%s\n' "$table" | head -n 1 | grep -q "BY-KEY  *BY-DEVICE" || fail "key list: $table"

# Without the laptop's device proof, a key alone adds no key: a state of
# the same peer without the laptop's key pair asks by name.
sed 's/^device = yes$/device = no/' "$WGDIR/$LIF.keygate" >"$WGDIR/nodev.keygate"
refused "needs the enrolled device itself" add_key key3 key1 nodev
# Nor does a disabled laptop.
must vpnd_cmd peer disable laptop
refused "disabled by the admin" add_key key3 key1
must vpnd_cmd peer enable laptop
[ "$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
	fail "a refused add-key added a key: $(vpnd_cmd key list alice)"
grep -q "event=activation-refused op=add-key peer=laptop reason=not_permitted" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the add-key without a device"

# key3 added under key2: revoking key2 with --cascade takes key3 too, not
# key1; each audited.
must add_key key3 key2 >/dev/null
k3=$(key_field alice 2 id)
[ "$(key_field alice 2 by-key)" = "$k2" ] || fail "key3 was not added by key2"
must enroll_as key3 "$PIN" -- up "$LIF" >/dev/null
[ -n "$(gw_peers)" ] || fail "key3 did not activate"
# Any unique prefix of 8 digits names the key, in any case.
must vpnd_cmd key unlock alice "$(tr a-f A-F <<<"${k2:0:8}")"
grep -q "event=key-unlock owner=alice key=$k2 was=unlocked" "$NET_TMP/vpnd.log" ||
	fail "unlock by prefix: $(grep event=key-unlock "$NET_TMP/vpnd.log")"
refused "give 8 to 32 hex digits" vpnd_cmd key revoke alice "${k2:0:7}"
refused "owner 'alice' has no key '0000dead'" vpnd_cmd key revoke alice 0000dead
out=$(vpnd_cmd key revoke alice "${k2:0:10}" --cascade) || fail "revoke --cascade failed"
printf '%s\n' "$out" | grep -q "${k3:0:12}" || fail "revoke --cascade does not list key3: $out"
grep -q "event=key-revoke owner=alice key=$k2 by=admin cascade-of=-" "$NET_TMP/vpnd.log" &&
	grep -q "event=key-revoke owner=alice key=$k3 by=admin cascade-of=$k2" "$NET_TMP/vpnd.log" ||
	fail "no audit line per key: $(grep event=key-revoke "$NET_TMP/vpnd.log")"
[ "$(key_field alice 0 state)" = active ] && [ "$(key_field alice 1 state)" = revoked ] &&
	[ "$(key_field alice 2 state)" = revoked ] || fail "cascade: $(vpnd_cmd key list alice)"
# The session key3 opened ended with it.
[ -z "$(gw_peers)" ] || fail "the session opened by key3 outlived its revocation"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null

# An owners file from before: bob's key with its 8-digit ID, and eve's two
# keys whose IDs share their first 8 digits (found by a birthday search;
# someone who grinds a software key's credential ID could make such a pair).
vpnd_stop
python3 - "$NET_TMP/state/owners" >"$NET_TMP/ids" <<'EOF' || fail "cannot write the old owners file"
import base64, hashlib, os, sys

def key_id(alg, pk, cid):
    h = hashlib.blake2b(digest_size=16)
    h.update(b"keygate-key-id-v1\0" + alg.encode() + b"\0")
    h.update(bytes([len(pk)]) + pk + len(cid).to_bytes(2, "big") + cid)
    return h.hexdigest()

def line(owner, kid, pk, cid, extra=""):
    return "key %s id=%s alg=es256 public-key=%s credential=%s counter=5 state=active added=1700000000%s\n" % (
        owner, kid, base64.b64encode(pk).decode(),
        base64.urlsafe_b64encode(cid).decode().rstrip("="), extra)

pk = bytes(range(1, 65))
bob = os.urandom(48)
seen, pair = {}, None
while pair is None:
    cid = os.urandom(32)
    k = key_id("es256", pk, cid)
    if k[:8] in seen:
        pair = (seen[k[:8]], cid)
    seen[k[:8]] = cid
path = sys.argv[1]
text = open(path).read().splitlines(True)
end = text.pop()
n = int(end.split()[1])
text.append("owner bob require-uv=yes window=- idle=-\n")
text.append(line("bob", hashlib.blake2b(bob, digest_size=4).hexdigest(), pk, bob))
text.append("owner eve require-uv=yes window=- idle=-\n")
for cid in pair:
    text.append(line("eve", key_id("es256", pk, cid), pk, cid, " by-key=- by-device=-"))
text.append("end %d\n" % (n + 5))
open(path, "w").write("".join(text))
print(key_id("es256", pk, bob), *(key_id("es256", pk, c) for c in pair))
EOF
read -r bob_id eve1 eve2 <"$NET_TMP/ids"
vpnd_start
# bob's ID has its long form now, in the list and in the file.
[ "$(key_field bob 0 id)" = "$bob_id" ] || fail "bob's key was not migrated: $(vpnd_cmd key list bob --json)"
grep -q "^key bob id=$bob_id " "$NET_TMP/state/owners" ||
	fail "the migrated ID was not written back: $(grep '^key bob' "$NET_TMP/state/owners")"
[ "$(key_field bob 0 counter)" = 5 ] || fail "migration lost bob's counter"
# eve's shared prefix names no key; the refusal names both.
refused "ambiguous: .*$eve1.*; give more digits" vpnd_cmd key revoke eve "${eve1:0:8}"
refused "$eve2" vpnd_cmd key unlock eve "${eve1:0:8}"
[ "$(key_field eve 0 state)$(key_field eve 1 state)" = activeactive ] || fail "an ambiguous revoke revoked"
# The table tells them apart.
table=$(vpnd_cmd key list eve) || fail "key list eve failed"
shown=$(printf '%s\n' "$table" | awk 'NR > 1 { print $2 }' | sort -u | wc -l)
[ "$shown" = 2 ] || fail "the table shows eve's two keys alike: $table"
must vpnd_cmd key revoke eve "$eve2" >/dev/null
[ "$(key_field eve 0 state)$(key_field eve 1 state)" = activerevoked ] ||
	fail "the whole ID revoked another key: $(vpnd_cmd key list eve)"
pass "128-bit IDs, prefixes, ambiguity named, migration written back, add-key needs key and laptop, added-by listed, --cascade"

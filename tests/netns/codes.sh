#!/bin/bash
# SPDX-License-Identifier: ISC
# Enrollment codes follow the admin's decisions, end to end with the real
# gateway, enroll and softkeys. A code for an owner who has keys enrolls a
# new key only when one of them signs (the URI names them), unless the
# admin made it for key recovery (--new-key, audited, shown in code list);
# `vpnd code list` shows codes but never a code, `vpnd code revoke` voids
# them, so do disabling and removing the peer (audited); a disabled peer
# enrolls nothing even with a code; `peer add --public-key` makes no code
# for an owner who has keys.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start key1 --pin "$PIN"
softkey_start other --pin "$PIN"
softkey_start third --pin "$PIN"

# refused WANT CMD...: exit 1, exactly one line on stderr matching WANT.
refused() {
	local want=$1 err
	shift
	err=$("$@" 2>&1 >/dev/null) && fail "accepted: $*"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "more than one line: $err"
	printf '%s\n' "$err" | grep -q -- "$want" || fail "expected '$want', got: $err"
	log "refused: $err"
}
# register URI IF [KEY]: enroll register on the laptop into interface IF.
register() {
	in_ns laptop "$ENROLL" register "$1" --device "unix:$NET_TMP/${3:-key1}.sock" \
		--config-dir "$WGDIR" --interface "$2" --timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN"
}
keys_of() {
	vpnd_cmd key list "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
codes() { vpnd_cmd code list --json | python3 -c 'import json,sys; print(" ".join(sorted(c["peer"] for c in json.load(sys.stdin))))'; }

# The first key of an owner: nothing to sign with, and the URI names none.
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
case $uri in *key=*) fail "a URI for an owner without keys names keys: $uri" ;; esac
must register "$uri" "$LIF" >/dev/null
k1=$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

# A second laptop: the URI names alice's key, which signs for the new one.
uri2=$(vpnd_cmd peer add laptop2 --owner alice) || fail "peer add laptop2 failed"
case $uri2 in *\&key=*) ;; *) fail "the URI does not name alice's key: $uri2" ;; esac
# Without the signature (an enroll that ignores key=): refused, and the
# code is not spent.
refused "owner has security keys already" register "${uri2%%&key=*}" l2a
[ ! -e "$WGDIR/l2a.conf" ] || fail "a refused enrollment wrote a config"
[ "$(keys_of alice)" = 1 ] || fail "a code alone added a key: $(vpnd_cmd key list alice)"
grep -q "event=activation-refused op=enroll peer=laptop2 reason=key_required" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the enrollment without a signature"
# A key that is not alice's cannot sign for her.
refused "not registered" in_ns laptop "$ENROLL" register "$uri2" --device "unix:$NET_TMP/other.sock" \
	--config-dir "$WGDIR" --interface l2b --timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN"
uri2=$(vpnd_cmd code new laptop2) || fail "code new failed"
must register "$uri2" l2c >/dev/null
[ "$(keys_of alice)" = 2 ] || fail "laptop2's key was not added: $(vpnd_cmd key list alice)"
k2=$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["id"])')
grep -q "event=enrolled peer=laptop2 owner=alice key=$k2 by-key=$k1 code=plain" "$NET_TMP/vpnd.log" ||
	fail "the enrollment's audit line: $(grep event=enrolled "$NET_TMP/vpnd.log")"

# Key recovery: the admin's code enrolls a key without one of alice's,
# audited as such and marked in the list.
uri3=$(vpnd_cmd peer add laptop3 --owner alice --new-key) || fail "peer add --new-key failed"
case $uri3 in *key=*) fail "a recovery URI names keys: $uri3" ;; esac
grep -q "event=code-issue peer=laptop3 owner=alice new-key=yes by=admin" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the recovery code"
list=$(vpnd_cmd code list --owner alice --json) || fail "code list failed"
printf '%s\n' "$list" | python3 -c '
import json, sys
c = {c["peer"]: c for c in json.load(sys.stdin)}
assert sorted(c) == ["laptop3"], c
l = c["laptop3"]
assert l["owner"] == "alice" and l["new-key"] == "yes" and l["state"] == "pending", l
assert l["enrolls"] == "device+key" and l["expires"], l' || fail "code list: $list"
# It never shows the code, nor its hash.
code3=${uri3#*code=}
code3=${code3%%&*}
hash3=$(awk '/peer=laptop3 /{print $2}' "$NET_TMP/state/codes")
vpnd_cmd code list | grep -qe "$code3" -e "$hash3" && fail "code list shows the code"
vpnd_cmd code list | grep -q "^laptop3  *alice  *laptop  *device+key  *yes  *pending" ||
	fail "code list: $(vpnd_cmd code list)"
must register "$uri3" l3 other >/dev/null
[ "$(keys_of alice)" = 3 ] || fail "the recovery code added no key"
grep -q "event=enrolled peer=laptop3 owner=alice key=[0-9a-f]* by-key=- code=new-key" \
	"$NET_TMP/vpnd.log" || fail "the recovery enrollment's audit line"

# A new key for a new laptop, signed for by a key alice has (--auth-device).
uri7=$(vpnd_cmd peer add laptop7 --owner alice) || fail "peer add laptop7 failed"
must in_ns laptop "$ENROLL" register "$uri7" --device "unix:$NET_TMP/third.sock" \
	--auth-device "unix:$NET_TMP/key1.sock" --config-dir "$WGDIR" --interface l7 \
	--timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN
$PIN" >/dev/null
[ "$(keys_of alice)" = 4 ] || fail "the key of laptop7 was not added: $(vpnd_cmd key list alice)"
# key1 holds two of alice's keys (it registered laptop and laptop2): either signs.
grep -Eq "event=enrolled peer=laptop7 owner=alice key=[0-9a-f]{32} by-key=($k1|$k2) code=plain" \
	"$NET_TMP/vpnd.log" || fail "laptop7's audit line: $(grep event=enrolled "$NET_TMP/vpnd.log")"

# code revoke voids a peer's codes; a second time there is none.
uri4=$(vpnd_cmd peer add laptop4 --owner bob) || fail "peer add laptop4 failed"
[ "$(codes)" = laptop4 ] || fail "code list after peer add laptop4: $(codes)"
must vpnd_cmd code revoke laptop4
grep -q "event=code-void peer=laptop4 owner=bob count=1 reason=revoked by=admin" \
	"$NET_TMP/vpnd.log" || fail "no audit line for code revoke"
refused "has no enrollment code" vpnd_cmd code revoke laptop4
refused "unknown or was already used" register "$uri4" l4
refused "nosuch" vpnd_cmd code revoke nosuch
must vpnd_cmd peer disable laptop4
refused "disabled: enable it first" vpnd_cmd code new laptop4

# Disabling a peer voids its codes: a URI made before the decision enrolls
# nothing after it. So does removing it.
uri5=$(vpnd_cmd peer add phone5 --owner bob) || fail "peer add phone5 failed"
must vpnd_cmd peer disable phone5
grep -q "event=code-void peer=phone5 owner=bob count=1 reason=disabled" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the voided code"
[ -z "$(codes)" ] || fail "a disabled peer kept its code: $(codes)"
refused "unknown or was already used" register "$uri5" l5
must vpnd_cmd peer enable phone5
refused "unknown or was already used" register "$uri5" l5
must vpnd_cmd peer add gone --owner bob >/dev/null
must vpnd_cmd peer remove gone
grep -q "event=code-void peer=gone owner=bob count=1 reason=removed" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the removed peer's code"
refused "nosuch" vpnd_cmd code new nosuch

# A disabled peer whose code survived (a registry edited by hand, or one
# from before codes were voided) still enrolls nothing.
uri6=$(vpnd_cmd peer add laptop6 --owner bob) || fail "peer add laptop6 failed"
vpnd_stop
sed -i '/^peer laptop6 /s/state=enabled/state=disabled/' "$NET_TMP/state/peers"
vpnd_start
refused "disabled by the admin" register "$uri6" l6
[ ! -e "$WGDIR/l6.conf" ] || fail "a disabled peer was enrolled"

# A phone whose key pair was made elsewhere: for an owner with keys there
# is nothing to enroll but a key, so no code, and a note says why; with
# --new-key, a recovery code.
phone=$(wg genkey | wg pubkey)
out=$(vpnd_cmd peer add phone --owner alice --mobile --public-key "$phone" 2>"$NET_TMP/err") ||
	fail "peer add --mobile --public-key failed: $(cat "$NET_TMP/err")"
[ -z "$out" ] || fail "peer add --public-key printed a URI for an owner with keys: $out"
grep -q "no enrollment code: alice has security keys" "$NET_TMP/err" || fail "no note: $(cat "$NET_TMP/err")"
case $(codes) in *phone*) fail "a code was made for the phone" ;; esac
refused "would only add a key" vpnd_cmd code new phone
out=$(vpnd_cmd code new phone --new-key) || fail "code new --new-key failed"
case $out in keygate://*) ;; *) fail "code new --new-key printed '$out'" ;; esac
# bob has no key yet: his phone gets the code that enrolls his first.
out=$(vpnd_cmd peer add bobphone --owner bob --mobile --public-key "$(wg genkey | wg pubkey)") ||
	fail "peer add bobphone failed"
case $out in keygate://*) ;; *) fail "no URI for the first key of bob: '$out'" ;; esac
pass "codes need a key's signature or --new-key; list, revoke, new; voided by disable and remove; disabled peer refused; no code for --public-key"

#!/bin/bash
# SPDX-License-Identifier: ISC
# enroll without an interface name: none registered says so in one line
# (exit 1); one is used by up, status, down, activate and add-key; two make
# each of them name both and ask for one (exit 2) and change nothing.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start key1 --pin "$PIN"
softkey_start key2 --pin "$PIN"

# enroll_noif KEY -- ARGS: enroll in the laptop host, no interface named.
enroll_noif() {
	local key=$1
	shift 2
	in_ns laptop "$ENROLL" "$@" --device "unix:$NET_TMP/$key.sock" --config-dir "$WGDIR" \
		--timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN"
}
# expect CODE PATTERN CMD...: exits CODE and says PATTERN on one line of stderr.
expect() {
	local code=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = "$code" ] || fail "'$*' exited $rc, not $code: $out"
	echo "$out" | grep -q -- "$pattern" || fail "'$*' said: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "'$*' said more than one line: $out"
}

# Nothing registered: one line, exit 1, for every command.
for cmd in up down status add-key; do
	expect 1 "no keygate interface on this machine" enroll_noif key1 -- "$cmd"
done
expect 1 "no keygate interface on this machine" enroll_noif key1 -- activate phone
[ -z "$(ls -A "$WGDIR")" ] || fail "a refused command wrote $(ls -A "$WGDIR")"

# One: every command finds it.
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
out=$(enroll_noif key1 -- up) || fail "up without IF failed: $out"
echo "$out" | grep -q "^$LIF is active until" || fail "up without IF said: $out"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after up without IF"
out=$(in_ns laptop "$ENROLL" status --config-dir "$WGDIR") || fail "status without IF failed"
echo "$out" | grep -q "^laptop is active until" || fail "status without IF said: $out"
must in_ns gw "$BUILD/clientcfg/clientcfg" -c "$CONF" phone --owner alice \
	-o "$NET_TMP/phone.conf" >/dev/null
out=$(enroll_noif key1 -- activate phone) || fail "activate without IF failed: $out"
echo "$out" | grep -q "^phone is active until" || fail "activate without IF said: $out"
must in_ns laptop "$ENROLL" add-key --device "unix:$NET_TMP/key2.sock" \
	--auth-device "unix:$NET_TMP/key1.sock" --config-dir "$WGDIR" --pin-fd 3 3<<<"$PIN
$PIN" >/dev/null
[ "$(grep -c '^credential = ' "$WGDIR/$LIF.keygate")" = 2 ] || fail "add-key without IF kept no key"

# Two: each command names both and asks; nothing changes.
BIF=$(wg_ifname home)
on_cleanup "rm -f /var/run/wireguard/$BIF.sock /var/run/wireguard/$BIF.name"
uri=$(vpnd_cmd peer add home --owner alice) || fail "peer add home failed"
must in_ns laptop "$ENROLL" register "$uri" --device "unix:$NET_TMP/key2.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface "$BIF" 3<<<"$PIN" >/dev/null
before=$(cd "$WGDIR" && sha256sum ./*)
# Sorted: wireguard-go lists peers in no fixed order.
peers=$(gw_peers | sort)
first=$(printf '%s\n' "$LIF" "$BIF" | sort | head -n 1)
for cmd in up down status add-key; do
	expect 2 "2 keygate interfaces here (.*$BIF.*); name one: enroll $cmd" enroll_noif key1 -- "$cmd"
done
expect 2 "2 keygate interfaces here (.*$LIF.*); name one: enroll activate PEER --interface $first" \
	enroll_noif key1 -- activate phone
[ "$(cd "$WGDIR" && sha256sum ./*)" = "$before" ] || fail "a refused command changed a file"
[ "$(gw_peers | sort)" = "$peers" ] || fail "a refused command changed the gateway's peers"
wait_for 3 can_ping laptop 10.77.0.1 || fail "a refused command took the tunnel down"

# Named, it works as before.
out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR") || fail "status $LIF failed"
echo "$out" | grep -q "^laptop is active until" || fail "status $LIF said: $out"
expect 2 "invalid interface name 'a/b'" in_ns laptop "$ENROLL" status a/b --config-dir "$WGDIR"
lpub=$(laptop_pub)
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
gw_peers | grep -qxF "$lpub" && fail "down $LIF left the peer on the gateway"
# As a user unit at login starts it: no interface, no terminal, no
# --pin-fd. A touch alone: refused while alice's policy wants the PIN
# (saying so), taken once it does not.
login_up() { setsid -w ip netns exec "$(ns_name laptop)" "$ENROLL" up --config-dir "$WGDIR" --device "unix:$NET_TMP/key1.sock" \
	--timeout 500 --tries 4 </dev/null; }
rm -f "$WGDIR/$BIF.keygate" "$WGDIR/$BIF.conf"
out=$(login_up 2>&1) && fail "a touch alone passed a policy that wants the PIN: $out"
echo "$out" | grep -q "no terminal to ask for the PIN on; asking for a touch only" &&
	echo "$out" | grep -q "the owner's policy requires a PIN" || fail "up at login said: $out"
must vpnd_cmd owner set alice --require-uv no >/dev/null
out=$(login_up 2>&1) || fail "up at login with a touch alone failed: $out"
echo "$out" | grep -q "^$LIF is active until" || fail "up at login said: $out"
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after up at login"
pass "no IF: none (1 line, exit 1), one (up, status, activate, add-key), two (names both, exit 2, nothing changed); up at login without a terminal"

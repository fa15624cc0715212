#!/bin/bash
# SPDX-License-Identifier: ISC
# The main path: register from the URI, nothing passes before `up`, a ping
# and a TCP connection pass right after it, both ends agree on the keys,
# each session gets another PSK, `down` ends it, `status` says why; a
# backup key, a revoked key, a window that ends. The tunnel is dual-stack:
# each peer gets an IPv4 and an IPv6 address, and the IPv6 one is walled
# and opened exactly as the IPv4 one.
. "$(dirname "$0")/activation-lib.sh"
ACT_ADDRESS=10.77.0.1/24,fd77::1/64
act_setup
softkey_start key1 --pin "$PIN"
bg_ns gw tcp-listener6 nc -lk -s fd77::1 -p 1143
# tcp_shut HOST ADDR PORT: no TCP connection within 1 s.
tcp_shut() { ! in_ns "$1" nc -z -w 1 "$2" "$3" >/dev/null 2>&1; }

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
case $uri in keygate://192.0.2.1:51821/\?gw=*\&code=*) ;; *) fail "peer add printed '$uri'" ;; esac
# One address from each tunnel network, the same host part.
addrs=$(vpnd_cmd peer show laptop --json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print((d[0] if isinstance(d, list) else d)["addresses"])')
[ "$addrs" = "10.77.0.2,fd77::2" ] || fail "peer show laptop: addresses '$addrs'"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
[ -f "$WGDIR/$LIF.conf" ] || fail "register wrote no $LIF.conf"
grep -qx "Address = 10.77.0.2/32, fd77::2/128" "$WGDIR/$LIF.conf" ||
	fail "the laptop's config lacks an address: $(grep Address "$WGDIR/$LIF.conf")"
grep -qx "AllowedIPs = 10.77.0.1/32, fd77::1/128" "$WGDIR/$LIF.conf" ||
	fail "the laptop's config lacks a route: $(grep AllowedIPs "$WGDIR/$LIF.conf")"
[ "$(stat -c %a "$WGDIR/$LIF.conf")" = 600 ] || fail "$LIF.conf is not mode 0600"
# The same code again: refused, in one line.
out=$(in_ns laptop "$ENROLL" register "$uri" --device "unix:$NET_TMP/key1.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface other 3<<<"$PIN" 2>&1) && fail "a used code worked"
echo "$out" | grep -q "already used" || fail "unclear refusal of a used code: $out"

# Before `up`: the peer is not on the gateway's interface, nothing passes.
[ -z "$(gw_peers)" ] || fail "the peer is on the interface before up"
must in_ns laptop wg-quick up "$WGDIR/$LIF.conf" 2>/dev/null
can_ping laptop 10.77.0.1 && fail "a ping passed before up"
tcp_shut laptop 10.77.0.1 1143 || fail "the IPv4 tunnel address answers before up"
tcp_shut laptop fd77::1 1143 || fail "the IPv6 tunnel address answers before up"
must in_ns laptop wg-quick down "$WGDIR/$LIF.conf" 2>/dev/null
# wireguard-go goes a moment after its link: wait, so that `up` finds no
# half-gone interface and really starts from nothing.
wait_for 5 sh -c "! test -S /var/run/wireguard/$LIF.sock" || fail "wireguard-go did not stop"

# A config written before the gateway's interface had its IPv6 network:
# `up` takes the address the gateway has given the peer since.
sed -i 's|^Address = 10.77.0.2/32, fd77::2/128$|Address = 10.77.0.2/32|' "$WGDIR/$LIF.conf"
grep -qx "Address = 10.77.0.2/32" "$WGDIR/$LIF.conf" || fail "cannot make an IPv4-only config"
start=$(date +%s.%N)
out=$(enroll_as key1 "$PIN" -- up "$LIF") || fail "up failed"
echo "$out" | grep -q "is active until" || fail "up said: $out"
grep -qx "Address = 10.77.0.2/32, fd77::2/128" "$WGDIR/$LIF.conf" ||
	fail "up did not add the IPv6 address: $(grep Address "$WGDIR/$LIF.conf"); up said: $out"
upped=$(date +%s.%N)
# Usable at once: the first ping must not wait for WireGuard's 5 s retry.
if ! in_ns laptop ping -n -c 1 -W 4 10.77.0.1 >/dev/null; then
	in_ns laptop wg show "$LIF" >&2
	in_ns gw wg show "$GWIF" >&2
	in_ns laptop ping -n -c 3 10.77.0.1 >&2
	fail "the first ping after up failed"
fi
log "up took $(echo "$upped - $start" | bc) s; the first ping came back" \
	"$(echo "$(date +%s.%N) - $upped" | bc) s later"
tcp_open laptop 10.77.0.1 1143 || fail "no TCP connection through the tunnel"
tcp_open laptop fd77::1 1143 || fail "no TCP connection to the IPv6 tunnel address"
in_ns gw wg show "$GWIF" allowed-ips | grep -q "10.77.0.2/32 fd77::2/128" ||
	fail "the gateway's peer lacks an AllowedIP: $(in_ns gw wg show "$GWIF" allowed-ips)"
# The self-check watches the IPv6 side as the IPv4 one: the rule that
# opens the IPv6 window set, deleted behind vpnd's back, is named and put
# back within a second, with the session's IPv6 element.
set6=$(in_ns gw nft list table inet keygate |
	awk '$1 == "set" { s = $2 } s ~ /^window6_/ && /fd77::2/ { print s; exit }')
[ -n "$set6" ] || fail "no window element for fd77::2: $(in_ns gw nft list table inet keygate)"
read -r chain handle < <(in_ns gw nft -a list table inet keygate |
	awk -v s="@$set6" '$1 == "chain" { c = $2 } index($0, s) && /# handle/ { print c, $NF; exit }')
[ -n "$handle" ] || fail "no rule uses $set6"
must in_ns gw nft delete rule inet keygate "$chain" handle "$handle"
wait_for 3 grep -q "event=firewall-restore" "$NET_TMP/vpnd.log" ||
	fail "the self-check missed the IPv6 rule's deletion"
grep "event=firewall-restore" "$NET_TMP/vpnd.log" | grep -q "window6" ||
	fail "the restore does not name the IPv6 rule: $(grep firewall-restore "$NET_TMP/vpnd.log")"
wait_for 3 sh -c "ip netns exec $(ns_name gw) nft list table inet keygate | grep -q fd77::2" ||
	fail "the restored table lacks the IPv6 element"
tcp_open laptop fd77::1 1143 || fail "the IPv6 address stays closed after the restore"

# Both ends agree on keys.
lpub=$(laptop_pub)
gw_peers | grep -qxF "$lpub" || fail "the gateway's peer is not the laptop's key"
psk1=$(gw_psk_of "$lpub")
lpsk=$(in_ns laptop wg show "$LIF" preshared-keys | awk '{ print $2 }')
[ -n "$psk1" ] && [ "$psk1" != "(none)" ] && [ "$psk1" = "$lpsk" ] ||
	fail "PSKs differ or are missing: gateway '$psk1', laptop '$lpsk'"
grep -q "$psk1" "$WGDIR/$LIF.conf" "$NET_TMP/vpnd.log" "$WGDIR/$LIF.keygate" &&
	fail "the PSK was written to a file or a log"

out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR") || fail "status failed"
echo "$out" | grep -q "is active until" || fail "status said: $out"

# down ends the session at the gateway; status says so.
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
[ -z "$(gw_peers)" ] || fail "down left the peer on the gateway's interface"
out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR") || fail "status failed"
echo "$out" | grep -q "ended by enroll down" || fail "status after down said: $out"

# A new session, a new PSK.
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after the second up"
psk2=$(gw_psk_of "$lpub")
[ -n "$psk2" ] && [ "$psk2" != "$psk1" ] || fail "the second session kept the PSK"

# The admin ends it: status says why.
must vpnd_cmd session kill laptop
out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR") || fail "status failed"
echo "$out" | grep -q "ended by admin" || fail "status after kill said: $out"
can_ping laptop 10.77.0.1 && fail "traffic passes after the admin ended the session"
grep -q "event=session-open peer=laptop owner=alice by=key:" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the activation"
# A backup key, authorised by the first; then the first is revoked: it is
# refused, the backup still works.
softkey_start key2 --pin "$PIN"
must in_ns laptop "$ENROLL" add-key --device "unix:$NET_TMP/key2.sock" \
	--auth-device "unix:$NET_TMP/key1.sock" --config-dir "$WGDIR" --interface "$LIF" \
	--pin-fd 3 3<<<"$PIN
$PIN" >/dev/null
[ "$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
	fail "add-key: alice does not have two keys: $(vpnd_cmd key list alice)"
key1=$(vpnd_cmd key list alice --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
# Revoking a key ends the sessions it opened; status says so.
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
must vpnd_cmd key revoke alice "$key1"
out=$(in_ns laptop "$ENROLL" status "$LIF" --config-dir "$WGDIR") || fail "status failed"
echo "$out" | grep -q "revoked by admin" || fail "status after the revocation said: $out"
out=$(enroll_as key1 "$PIN" -- up "$LIF" 2>&1) && fail "a revoked key activated"
echo "$out" | grep -q "revoked by the admin" || fail "unclear refusal of a revoked key: $out"
must enroll_as key2 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping with the backup key"

must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null

# A peer with a short window and a shorter idle timeout (its own tunnel;
# the first one is down, as both route to the gateway): status says which
# ended the session.
BIF=$(wg_ifname brief)
on_cleanup "rm -f /var/run/wireguard/$BIF.sock /var/run/wireguard/$BIF.name"
uri=$(vpnd_cmd peer add brief --owner alice --window 3s) || fail "peer add brief failed"
must in_ns laptop "$ENROLL" register "$uri" --device "unix:$NET_TMP/key2.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface "$BIF" 3<<<"$PIN" >/dev/null
must in_ns laptop "$ENROLL" up "$BIF" --device "unix:$NET_TMP/key2.sock" --pin-fd 3 \
	--config-dir "$WGDIR" 3<<<"$PIN" >/dev/null
tcp_open laptop 10.77.0.1 1143 || fail "brief: no IPv4 TCP connection in the window"
tcp_open laptop fd77::1 1143 || fail "brief: no IPv6 TCP connection in the window"
sleep 3
window_ended() { in_ns laptop "$ENROLL" status "$BIF" --config-dir "$WGDIR" | grep -q "window ended"; }
wait_for 5 window_ended ||
	fail "status after the window said: $(in_ns laptop "$ENROLL" status "$BIF" --config-dir "$WGDIR")"
can_ping laptop 10.77.0.1 && fail "traffic passes after the window ended"
tcp_shut laptop 10.77.0.1 1143 || fail "brief: the IPv4 address answers after the window"
tcp_shut laptop fd77::1 1143 || fail "brief: the IPv6 address answers after the window"
in_ns laptop "$ENROLL" down "$BIF" --config-dir "$WGDIR" >/dev/null 2>&1

IIF=$(wg_ifname idler)
on_cleanup "rm -f /var/run/wireguard/$IIF.sock /var/run/wireguard/$IIF.name"
uri=$(vpnd_cmd peer add idler --owner alice --idle 3s) || fail "peer add idler failed"
must in_ns laptop "$ENROLL" register "$uri" --device "unix:$NET_TMP/key2.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface "$IIF" 3<<<"$PIN" >/dev/null
must in_ns laptop "$ENROLL" up "$IIF" --device "unix:$NET_TMP/key2.sock" --pin-fd 3 \
	--config-dir "$WGDIR" 3<<<"$PIN" >/dev/null
# Traffic over IPv4 alone keeps the session, and the IPv6 address with it:
# each family's idle element runs out on its own, and vpnd puts back the
# quiet one while the other lives.
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
	can_ping laptop 10.77.0.1 || fail "idler: IPv4 traffic stopped within the idle timeout"
	sleep 0.4
done
tcp_open laptop fd77::1 1143 || fail "idler: after IPv4 traffic alone, the IPv6 address is closed"
wait_for 15 sh -c "ip netns exec $(ns_name laptop) $ENROLL status $IIF --config-dir $WGDIR |
	grep -q 'idle for 3s'" || fail "status never said idle: $(in_ns laptop "$ENROLL" status "$IIF" \
	--config-dir "$WGDIR")"
in_ns laptop "$ENROLL" down "$IIF" --config-dir "$WGDIR" >/dev/null 2>&1
pass "dual-stack: both addresses walled, opened, checked and closed; register, up (first ping at once, TCP), keys agree, PSK per session, down, status, add-key, revoke, window end, idle"

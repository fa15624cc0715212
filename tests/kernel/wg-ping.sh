#!/bin/bash
# SPDX-License-Identifier: ISC
# The kernel module with the stock tools only (ip, wg, ping): two hosts on a
# veth link, a kernel WireGuard link in each, a ping through the tunnel; and
# once one side drops the peer, no ping.
# shellcheck source=vmlib.sh
. "$SRC/tests/kernel/vmlib.sh"
kwg_pair

must in_ns a wg set "$ifa" private-key "$NET_TMP/a.key" listen-port 51820 \
	peer "$pubb" allowed-ips 10.77.0.2/32 endpoint 192.0.2.2:51821
must in_ns b wg set "$ifb" private-key "$NET_TMP/b.key" listen-port 51821 \
	peer "$puba" allowed-ips 10.77.0.1/32 endpoint 192.0.2.1:51820
[ "$(in_ns a wg show "$ifa" public-key)" = "$puba" ] || fail "wg show: wrong public key on $ifa"
[ "$(in_ns a wg show "$ifa" listen-port)" = 51820 ] || fail "wg show: wrong port on $ifa"
[ "$(kwg_handshake a "$ifa" "$pubb")" = never ] || fail "a handshake before any traffic"

wait_for 10 can_ping a 10.77.0.2 || fail "no ping through the kernel tunnel"
[ "$(kwg_handshake a "$ifa" "$pubb")" != never ] || fail "ping went through without a handshake"
rx=$(in_ns a wg show "$ifa" transfer | awk '{ print $2 }')
[ "${rx:-0}" -gt 0 ] || fail "no bytes received on $ifa"
can_ping b 10.77.0.1 || fail "no ping back from b"

# The tunnel really carries the ping: without b's peer, nothing answers.
must in_ns b wg set "$ifb" peer "$puba" remove
[ -z "$(in_ns b wg show "$ifb" peers)" ] || fail "peer still listed on $ifb after remove"
if can_ping a 10.77.0.2; then fail "ping answered after b removed its peer"; fi
pass "kernel tunnel with ip, wg and ping"

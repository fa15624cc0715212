#!/bin/bash
# SPDX-License-Identifier: ISC
# The library's kernel backend (kg-wgtool --backend kernel) against the real
# module, no UAPI socket anywhere: set the key and port, add a peer, ping
# through the tunnel, remove it, no ping; `wg show IF dump` and
# `kg-wgtool show IF` agree at every step.
# shellcheck source=vmlib.sh
. "$SRC/tests/kernel/vmlib.sh"
command -v kg-wgtool >/dev/null || fail "kg-wgtool is not in the VM (run-vm --bin)"
kwg_pair
(umask 077 && wg genpsk >"$NET_TMP/psk") || fail "wg genpsk failed"
kg() { in_ns a kg-wgtool --backend kernel "$@"; }

# same_dump STEP: kg-wgtool's dump of $ifa equals wg's. Handshake times and
# counters may move between two reads, so it must equal the one before or
# the one after.
same_dump() {
	local w1 k w2
	w1=$(in_ns a wg show "$ifa" dump) || fail "$1: wg show $ifa dump failed"
	k=$(kg show "$ifa") || fail "$1: kg-wgtool show $ifa failed"
	w2=$(in_ns a wg show "$ifa" dump)
	if [ "$k" != "$w1" ] && [ "$k" != "$w2" ]; then
		diff <(echo "$w2") <(echo "$k") >&2
		fail "$1: kg-wgtool show differs from wg show dump (- wg, + kg-wgtool)"
	fi
	[ ! -e "/var/run/wireguard/$ifa.sock" ] || fail "$1: a UAPI socket for $ifa appeared"
}

same_dump "fresh link"
must kg set "$ifa" "$NET_TMP/a.key" 51820
[ "$(in_ns a wg show "$ifa" public-key)" = "$puba" ] || fail "set: wg shows another public key"
[ "$(in_ns a wg show "$ifa" listen-port)" = 51820 ] || fail "set: wg shows another port"
same_dump "after set"

must in_ns b wg set "$ifb" private-key "$NET_TMP/b.key" listen-port 51821 \
	peer "$puba" preshared-key "$NET_TMP/psk" allowed-ips 10.77.0.1/32 endpoint 192.0.2.1:51820
if can_ping a 10.77.0.2; then fail "ping answered before the peer was added"; fi

must kg add-peer "$ifa" "$pubb" 10.77.0.2/32,fd77::2/128 --endpoint 192.0.2.2:51821 \
	--psk "$NET_TMP/psk"
line=$(in_ns a wg show "$ifa" dump | awk -v p="$pubb" '$1 == p')
[ -n "$line" ] || fail "add-peer: wg does not list the peer"
read -r _ psk endpoint ips _ <<<"$line"
[ "$psk" = "$(cat "$NET_TMP/psk")" ] || fail "add-peer: wrong preshared key"
[ "$endpoint" = 192.0.2.2:51821 ] || fail "add-peer: endpoint is '$endpoint'"
[ "$ips" = 10.77.0.2/32,fd77::2/128 ] || fail "add-peer: allowed IPs are '$ips'"
same_dump "after add-peer"

wait_for 10 can_ping a 10.77.0.2 || fail "no ping through the tunnel after add-peer"
[ "$(kwg_handshake a "$ifa" "$pubb")" != never ] || fail "no handshake after the ping"
same_dump "after ping"

# Adding again replaces the allowed IPs and keeps the session.
must kg add-peer "$ifa" "$pubb" 10.77.0.2/32 --endpoint 192.0.2.2:51821 --psk "$NET_TMP/psk"
[ "$(in_ns a wg show "$ifa" allowed-ips | awk '{ print $2 $3 }')" = 10.77.0.2/32 ] ||
	fail "add-peer again did not replace the allowed IPs"
can_ping a 10.77.0.2 || fail "no ping after the peer was updated"
same_dump "after update"

must kg remove-peer "$ifa" "$pubb"
[ -z "$(in_ns a wg show "$ifa" peers)" ] || fail "remove-peer: wg still lists the peer"
if can_ping a 10.77.0.2; then fail "ping answered after remove-peer"; fi
same_dump "after remove-peer"
must kg remove-peer "$ifa" "$pubb"

# A link that is not there: one line naming it, exit 1.
out=$(kg show kgnosuch0 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "show of a missing link exited $rc, want 1"
grep -q kgnosuch0 <<<"$out" || fail "the error does not name the link: $out"
pass "kernel backend: set, add, ping, remove, dumps agree"

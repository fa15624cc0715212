#!/bin/bash
# SPDX-License-Identifier: ISC
# Large kernel devices through the library: 5,000 peers with 4 allowed IPs
# each set in one call (the netlink messages must be split) and read back
# identically (the dump comes in many messages, a peer may straddle two);
# two peers with 1,000 allowed IPs each straddle several messages both ways.
# wg(8) must see the same device.
# shellcheck source=vmlib.sh
. "$SRC/tests/kernel/vmlib.sh"
command -v kg-wgtool >/dev/null || fail "kg-wgtool is not in the VM (run-vm --bin)"
net_init
ns_add a
kg() { in_ns a kg-wgtool --backend kernel "$@"; }
now() { cut -d' ' -f1 /proc/uptime; }

# bulk IF PEERS IPS TAG: kg-wgtool's own read-back, then wg's count and dump.
bulk() {
	local ifname=$1 peers=$2 ips=$3 t0 t1 n k w
	kwg_add a "$ifname" "$4"
	t0=$(now)
	must kg bulk "$ifname" "$peers" "$ips"
	t1=$(now)
	log "bulk $peers x $ips: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
	n=$(in_ns a wg show "$ifname" dump | wc -l)
	[ "$n" -eq $((peers + 1)) ] || fail "wg dump of $ifname has $n lines, want $((peers + 1))"
	n=$(in_ns a wg show "$ifname" allowed-ips | awk '{ n += NF - 1 } END { print n }')
	[ "$n" -eq $((peers * ips)) ] || fail "wg lists $n allowed IPs on $ifname, want $((peers * ips))"
	w=$(in_ns a wg show "$ifname" dump) || fail "wg show $ifname dump failed"
	k=$(kg show "$ifname") || fail "kg-wgtool show $ifname failed"
	if [ "$k" != "$w" ]; then
		diff <(echo "$w") <(echo "$k") | head -n 20 >&2
		fail "kg-wgtool show $ifname differs from wg show dump (- wg, + kg-wgtool)"
	fi
	[ ! -e "/var/run/wireguard/$ifname.sock" ] || fail "a UAPI socket for $ifname appeared"
}

bulk "$(wg_ifname many)" 5000 4 10.77.0.1/24
bulk "$(wg_ifname wide)" 2 1000 10.77.1.1/24
pass "5000 peers x 4 allowed IPs and 2 peers x 1000, split and merged"

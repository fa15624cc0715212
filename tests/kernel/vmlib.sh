# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# Helpers for the scripts that run inside the VM of tests/kernel/run-vm, on
# top of tests/netns/lib.sh. Interfaces here are kernel WireGuard links:
# nothing serves a UAPI socket, so the library must take the netlink path.
#
# Use:   . "$SRC/tests/kernel/vmlib.sh"
#        net_init; ns_add a; ns_add b
#        veth_pair a 192.0.2.1/24 b 192.0.2.2/24
#        kwg_add a "$(wg_ifname a)" 10.77.0.1/24

# shellcheck source=../netns/lib.sh
. "$SRC/tests/netns/lib.sh"

if [ ! -e /modules/order ]; then
	log "runs only inside the VM: tests/kernel/run-vm ${BASH_SOURCE[1]:-SCRIPT}"
	exit 1
fi

# The VM's /etc is the initramfs's, empty and thrown away at power-off:
# the network child's user goes straight into its passwd and group files
# (busybox has no useradd).
vpnd_user_ensure() {
	grep -q '^keygate:' /etc/passwd 2>/dev/null && return 0
	echo 'keygate:x:999:999:keygate:/nonexistent:/bin/false' >>/etc/passwd
	echo 'keygate:x:999:' >>/etc/group
}

# kwg_add HOST IF CIDR: a kernel WireGuard link in HOST, addressed and up.
kwg_add() {
	local host=$1 ifname=$2 cidr=$3
	in_ns "$host" ip link add "$ifname" type wireguard ||
		fail "cannot add kernel WireGuard link $ifname in $host"
	in_ns "$host" ip addr add "$cidr" dev "$ifname" || fail "cannot address $ifname"
	in_ns "$host" ip link set "$ifname" up || fail "cannot bring $ifname up"
	[ ! -e "/var/run/wireguard/$ifname.sock" ] || fail "$ifname has a UAPI socket: not the kernel path"
}

# kwg_key NAME: writes $NET_TMP/NAME.key (private) and prints the public key.
kwg_key() {
	(umask 077 && wg genkey >"$NET_TMP/$1.key") || fail "wg genkey failed"
	wg pubkey <"$NET_TMP/$1.key" || fail "wg pubkey failed"
}

# kwg_pair: hosts a and b on a veth link (192.0.2.1, .2), each with a kernel
# WireGuard link ($ifa 10.77.0.1, $ifb 10.77.0.2) and a fresh key
# ($NET_TMP/a.key, b.key; public keys in $puba, $pubb), no peers yet.
kwg_pair() {
	net_init
	ns_add a
	ns_add b
	veth_pair a 192.0.2.1/24 b 192.0.2.2/24
	ifa=$(wg_ifname a)
	ifb=$(wg_ifname b)
	kwg_add a "$ifa" 10.77.0.1/24
	kwg_add b "$ifb" 10.77.0.2/24
	puba=$(kwg_key a)
	pubb=$(kwg_key b)
}

# Seconds since the last handshake with PEER on IF in HOST ("never": none).
kwg_handshake() {
	local t
	t=$(in_ns "$1" wg show "$2" latest-handshakes | awk -v p="$3" '$1 == p { print $2 }')
	if [ -z "$t" ] || [ "$t" = 0 ]; then echo never; else echo $(($(date +%s) - t)); fi
}

# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# A gateway host running vpnd over wireguard-go and a laptop host with its
# own wireguard-go, for the vpnd end-to-end tests. Use after lib.sh:
#   . "$(dirname "$0")/vpnd-lib.sh"
#   vpnd_setup            # hosts, link, both WireGuard interfaces, vpnd.conf
#   vpnd_start; vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VPND=${VPND:-$BUILD/vpnd/vpnd}
VPND_PID=""

vpnd_setup() {
	[ -x "$VPND" ] || fail "no $VPND: build first"
	net_init
	vpnd_user_ensure
	umask 077
	ns_add gw
	ns_add laptop
	veth_pair gw 192.0.2.1/24 laptop 192.0.2.2/24
	GWIF=$(wg_ifname gw)
	LIF=$(wg_ifname lap)
	wggo_start gw "$GWIF"
	wggo_start laptop "$LIF"
	CONF=$NET_TMP/etc/vpnd.conf
	STATE=$NET_TMP/state
	GW_PUB=$(must "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
		--endpoint 192.0.2.1:51820 --state-dir "$STATE" \
		--control-socket "$NET_TMP/run/vpnd.sock") || fail "vpnd init failed"
	# The laptop: a plain WireGuard client for the gateway.
	wg genkey >"$NET_TMP/laptop.key"
	LAPTOP_PUB=$(wg pubkey <"$NET_TMP/laptop.key")
	in_ns laptop wg set "$LIF" private-key "$NET_TMP/laptop.key" peer "$GW_PUB" \
		endpoint 192.0.2.1:51820 allowed-ips 10.77.0.1/32
	in_ns laptop ip addr add 10.77.0.2/24 dev "$LIF"
	in_ns laptop ip link set "$LIF" up
	on_cleanup vpnd_stop
}

vpnd_start() {
	# Not through in_ns: a function would run in a subshell, and $! must be
	# vpnd itself for kill -9 (ip netns exec execs the command).
	ip netns exec "$(ns_name gw)" "$VPND" run -c "$CONF" >>"$NET_TMP/vpnd.log" 2>&1 &
	VPND_PID=$!
	# Ready when it answers (a socket file may be left from a kill -9).
	if ! wait_for 5 vpnd_cmd status; then
		cat "$NET_TMP/vpnd.log" >&2
		fail "vpnd did not start"
	fi
}

# Stops vpnd with a signal (TERM by default) and waits for it.
vpnd_stop() {
	[ -n "$VPND_PID" ] || return 0
	kill "-${1:-TERM}" "$VPND_PID" 2>/dev/null
	wait "$VPND_PID" 2>/dev/null
	VPND_PID=""
}

vpnd_cmd() { in_ns gw "$VPND" "$@" -c "$CONF"; }

gw_peers() { in_ns gw wg show "$GWIF" peers; }
has_laptop() { gw_peers | grep -qxF "$LAPTOP_PUB"; }

# The laptop forgets its failed handshake state (FACTS.md: up to 5 s
# otherwise) and pings the gateway through the tunnel, for up to $1 s.
laptop_reaches_gw() {
	in_ns laptop wg set "$LIF" peer "$GW_PUB" remove
	in_ns laptop wg set "$LIF" peer "$GW_PUB" endpoint 192.0.2.1:51820 allowed-ips 10.77.0.1/32
	wait_for "${1:-5}" can_ping laptop 10.77.0.1
}

# Seconds since the epoch with a fraction.
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

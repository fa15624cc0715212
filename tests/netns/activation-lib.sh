# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# A gateway host with vpnd over wireguard-go, and a laptop host where enroll
# makes its own wg-quick config and brings it up, with softkey as the
# security key. Use after nothing else:
#   . "$(dirname "$0")/activation-lib.sh"
#   act_setup; uri=$(vpnd_cmd peer add laptop --owner alice); enroll register "$uri"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VPND=${VPND:-$BUILD/vpnd/vpnd}
ENROLL=${ENROLL:-$BUILD/enroll/enroll}
SOFTKEY=${SOFTKEY:-$BUILD/tests/softkey/softkey}
VPND_PID=""
PIN=4711

# The hosts without vpnd: a gateway with wireguard-go and a laptop on a link.
act_hosts() {
	local b
	for b in "$VPND" "$ENROLL" "$SOFTKEY" "$@"; do
		[ -x "$b" ] || fail "no $b: build first"
	done
	net_init
	vpnd_user_ensure
	umask 077
	ns_add gw
	ns_add laptop
	veth_pair gw 192.0.2.1/24 laptop 192.0.2.2/24
	GWIF=$(wg_ifname gw)
	LIF=$(wg_ifname lap)
	wggo_start gw "$GWIF"
	CONF=$NET_TMP/etc/vpnd.conf
	WGDIR=$NET_TMP/wireguard
	mkdir -p "$WGDIR"
}

# ACT_ADDRESS: the tunnel networks (e.g. a dual-stack "10.77.0.1/24,fd77::1/64").
act_setup() {
	act_hosts
	GW_PUB=$(must "$VPND" init -c "$CONF" --interface "$GWIF" \
		--address "${ACT_ADDRESS:-10.77.0.1/24}" \
		--endpoint 192.0.2.1:51820 --state-dir "$NET_TMP/state" \
		--control-socket "$NET_TMP/run/vpnd.sock") || fail "vpnd init failed"
	on_cleanup act_teardown
	vpnd_start
	# A TCP service on the gateway's tunnel address, as the mail server.
	bg_ns gw tcp-listener nc -lk -s 10.77.0.1 -p 1143
}

act_teardown() {
	vpnd_stop
	# wg-quick's interface and its wireguard-go go with the namespace; the
	# shared UAPI socket file does not.
	rm -f "/var/run/wireguard/$LIF.sock" "/var/run/wireguard/$LIF.name"
	rm -f "/var/run/wireguard/$GWIF.name"
}

vpnd_start() {
	ip netns exec "$(ns_name gw)" "$VPND" run -c "$CONF" >>"$NET_TMP/vpnd.log" 2>&1 &
	VPND_PID=$!
	wait_for 5 vpnd_cmd status || { cat "$NET_TMP/vpnd.log" >&2; fail "vpnd did not start"; }
}

vpnd_stop() {
	[ -n "$VPND_PID" ] || return 0
	kill "-${1:-TERM}" "$VPND_PID" 2>/dev/null
	wait "$VPND_PID" 2>/dev/null
	VPND_PID=""
}

vpnd_cmd() { in_ns gw "$VPND" "$@" -c "$CONF"; }

# softkey_start NAME [softkey options]: a key on $NET_TMP/NAME.sock, its
# state (credentials, counter, PIN retries) in $NET_TMP/NAME.state.
declare -A SOFTKEY_PID
softkey_start() {
	local name=$1
	shift
	rm -f "$NET_TMP/$name.sock"
	"$SOFTKEY" --socket "$NET_TMP/$name.sock" --state "$NET_TMP/$name.state" "$@" \
		>>"$NET_TMP/softkey-$name.log" 2>&1 &
	SOFTKEY_PID[$name]=$!
	NET_PIDS+=($!)
	wait_for 5 test -S "$NET_TMP/$name.sock" || fail "softkey $name did not start"
}

# The same key, restarted with other options (a touch refused, say).
softkey_restart() {
	local name=$1
	kill "${SOFTKEY_PID[$name]}" 2>/dev/null
	wait "${SOFTKEY_PID[$name]}" 2>/dev/null
	softkey_start "$@"
}

# enroll_as KEY [PIN] -- ARGS: enroll in the laptop host with a softkey and
# the PIN on fd 3 (PIN "-" for none).
enroll_as() {
	local key=$1 pin=$2
	shift 3
	if [ "$pin" = - ]; then
		in_ns laptop "$ENROLL" "$@" --device "unix:$NET_TMP/$key.sock" --config-dir "$WGDIR" \
			--interface "$LIF" --timeout 500 --tries 4
	else
		in_ns laptop "$ENROLL" "$@" --device "unix:$NET_TMP/$key.sock" --config-dir "$WGDIR" \
			--interface "$LIF" --timeout 500 --tries 4 --pin-fd 3 3<<<"$pin"
	fi
}

gw_peers() { in_ns gw wg show "$GWIF" peers; }
laptop_pub() { in_ns laptop wg show "$LIF" public-key; }
gw_psk_of() { in_ns gw wg show "$GWIF" preshared-keys | awk -v k="$1" '$1 == k { print $2 }'; }

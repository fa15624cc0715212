# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# The keygate story's hosts, shared by the demo (tests/demo.sh) and the
# mail end-to-end test: an "internet" router, a gateway with dovecot on the
# tunnel address, a laptop and a phone. Source after lib.sh and dovecot.sh.
#
#   internet  198.51.100.126/25 (gateway side), 192.0.2.1/25 (laptop side),
#             192.0.2.129/25 (phone side); forwards between them
#   gateway   198.51.100.1/25, tunnel 10.77.0.1/24 on $GW_IF
#   laptop    192.0.2.2/25      phone 192.0.2.130/25

TUN4=10.77.0.1
GW_PUB=198.51.100.1
SUBJECT=${SUBJECT:-"Welcome to keygate"}
PIN=${PIN:-4711} # alice's security key PIN (softkey)
STORY_MISSING_EXIT=${STORY_MISSING_EXIT:-1}

# A built program: vpnd/vpnd, enroll/enroll, clientcfg/clientcfg, tests/softkey/softkey.
prog() {
	local p
	for p in "$BUILD/$1/$1" "$BUILD/tests/$1" "$BUILD/tests/$1/$1"; do
		[ -x "$p" ] && [ -f "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# need PROG WORD... WHY: stops, saying what is missing, unless PROG is built
# and its --help names every WORD (its subcommands and options).
need() {
	local name=$1 p w help
	shift
	local why=${*: -1}
	p=$(prog "$name") || {
		printf '\nStopping here: %s is not built yet (looked in %s).\n' "$name" "$BUILD"
		printf 'It is needed to %s.\n' "$why"
		exit "$STORY_MISSING_EXIT"
	}
	help=$("$p" --help 2>&1)
	for w in "${@:1:$#-1}"; do
		grep -qw -- "$w" <<<"$help" || {
			printf '\nStopping here: %s has no "%s" yet (%s --help).\n' "$name" "$w" "$p"
			printf 'It is needed to %s.\n' "$why"
			exit "$STORY_MISSING_EXIT"
		}
	done
}

story_network() {
	local h
	for h in internet gateway laptop phone; do ns_add "$h"; done
	veth_pair gateway "$GW_PUB/25" internet 198.51.100.126/25
	veth_pair laptop 192.0.2.2/25 internet 192.0.2.1/25
	veth_pair phone 192.0.2.130/25 internet 192.0.2.129/25
	in_ns internet sysctl -qw net.ipv4.ip_forward=1
	in_ns gateway ip route add default via 198.51.100.126
	in_ns laptop ip route add default via 192.0.2.1
	in_ns phone ip route add default via 192.0.2.129
}

# The gateway's WireGuard interface with the tunnel address, dovecot bound
# to that address only, and one message for alice. The address exists
# before dovecot binds to it; vpnd takes the interface over later (adding
# an address that is there is a no-op).
story_mail_server() {
	GW_IF=$(wg_ifname gw)
	wggo_start gateway "$GW_IF"
	in_ns gateway ip addr replace "$TUN4/24" dev "$GW_IF"
	in_ns gateway ip link set "$GW_IF" up
	dovecot_start gateway mail "$TUN4"
	mail_deliver mail "$SUBJECT"
}

# The outsider next to the gateway (its provider's router, a neighbour on
# the same link) routes the tunnel network to the gateway's public address.
story_outsider_route() {
	in_ns internet ip route add 10.77.0.0/24 via "$GW_PUB"
}

# Where vpnd and its config are: sets VPND and CONF.
story_vpnd_paths() {
	VPND=$(prog vpnd)
	CONF=$NET_TMP/vpnd.conf
}

# vpnd init ARGS... (then story_vpnd_run), with state and control socket in
# the run's temp dir (not /var/lib/vpnd and /run/vpnd).
story_vpnd_init() {
	story_vpnd_paths
	"$VPND" init -c "$CONF" --interface "$GW_IF" --address "$TUN4/24" \
		--endpoint "$GW_PUB:51820" --state-dir "$NET_TMP/state" \
		--control-socket "$NET_TMP/vpnd.sock" "$@"
}

story_vpnd_run() {
	vpnd_user_ensure
	# Not through in_ns: $! must be vpnd itself (ip netns exec execs it).
	ip netns exec "$(ns_name gateway)" "$VPND" run -c "$CONF" >>"$NET_TMP/vpnd.log" 2>&1 &
	NET_PIDS+=("$!")
	wait_for 5 vpnd_cmd status || fail "vpnd did not start: $(tail -n 5 "$NET_TMP/vpnd.log")"
}

vpnd_cmd() { in_ns gateway "$VPND" "$@" -c "$CONF"; }

# alice's security key: softkey in the laptop. Sets KEYSOCK and KEYDEV.
story_softkey() {
	KEYSOCK=$NET_TMP/alice-key.sock
	KEYDEV=unix:$KEYSOCK
	bg_ns laptop softkey "$(prog softkey)" --socket "$KEYSOCK" --pin "$PIN" \
		--state "$NET_TMP/softkey.state" >/dev/null
	wait_for 5 test -S "$KEYSOCK" || fail "softkey did not start: $(cat "$NET_TMP/softkey.log")"
}

# enroll writes /etc/wireguard/IF.conf and IF.keygate, which all namespaces
# share: they go, and the tunnel with them, at cleanup.
story_laptop_files() {
	on_cleanup "in_ns laptop wg-quick down $1"
	on_cleanup "rm -f /etc/wireguard/$1.conf /etc/wireguard/$1.keygate"
}

# story_phone_import FILE: the phone takes a wg-quick config as the app
# does: wireguard-go, the keys and peer, the address, a route per AllowedIPs.
story_phone_import() {
	local conf=$1 a
	PHONE_IF=$(wg_ifname phone)
	wggo_start phone "$PHONE_IF"
	grep -viE '^ *(Address|DNS|MTU) *=' "$conf" | in_ns phone wg setconf "$PHONE_IF" /dev/stdin ||
		fail "wg setconf refused the phone's config"
	for a in $(sed -n 's/^ *Address *= *//Ip' "$conf" | tr ',' ' '); do
		in_ns phone ip addr add "$a" dev "$PHONE_IF" || fail "phone: cannot add address $a"
	done
	grep -viE '^ *(Address|DNS|MTU) *=' "$conf" >"$NET_TMP/phone.setconf"
	in_ns phone ip link set "$PHONE_IF" up
	for a in $(sed -n 's/^ *AllowedIPs *= *//Ip' "$conf" | tr ',' ' '); do
		# A full tunnel would take the route to the endpoint too; the app
		# handles that, the story needs only the tunnel network.
		case $a in 0.0.0.0/0 | ::/0) a=10.77.0.0/24 ;; esac
		in_ns phone ip route replace "$a" dev "$PHONE_IF"
	done
}

# The phone's owner switches its tunnel off and on in the app: WireGuard
# forgets the handshakes that failed before (FACTS.md: else up to 5 s, or
# 15 s after data went unanswered) and starts afresh.
story_phone_toggle() {
	in_ns phone wg setconf "$PHONE_IF" "$NET_TMP/phone.setconf"
}

# The mail client with its one-line verdict.
imap_from() { mail_client "$1" mail imap "${2:-$TUN4}" --timeout 2 --expect-subject "$SUBJECT"; }

# True when IMAP to ADDR (the tunnel address) cannot be reached from HOST.
imap_refused() {
	mail_client "$1" mail imap "${2:-$TUN4}" --timeout 1 >/dev/null
	[ $? -eq 1 ]
}

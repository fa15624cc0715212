#!/bin/bash
# SPDX-License-Identifier: ISC
#
# The keygate story in network namespaces, for people to watch:
#   internet  a router between the others, and an outsider trying IMAP
#   gateway   vpnd, wireguard-go, dovecot on the tunnel address only
#   laptop    enroll with softkey (a software security key)
#   phone     wireguard-go configured from a clientcfg QR code
# Each step prints a heading, the commands and what they show. The demo
# exits 0 only when every step behaved; it removes every namespace and
# process it made, also on Ctrl-C. `--pause` waits for Enter between steps.
TEST_NAME=demo
. "$(dirname "$0")/netns/lib.sh"
. "$SRC/tests/netns/dovecot.sh"

PAUSE=0
[ "${1:-}" = "--pause" ] && PAUSE=1
WINDOW=${DEMO_WINDOW:-40s}     # the demo's short session window
TUN4=10.77.0.1
GW_PUB=198.51.100.1
SUBJECT="Welcome to keygate"
STEP=0

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" G="" R="" N=""; fi

heading() {
	STEP=$((STEP + 1))
	if [ "$PAUSE" -eq 1 ] && [ "$STEP" -gt 1 ]; then
		read -r -p "  (Enter for the next step) " _ </dev/tty
	fi
	printf '\n%s== Step %d: %s ==%s\n' "$B" "$STEP" "$*" "$N"
}
ok() { printf '   %s✔ %s%s\n' "$G" "$*" "$N"; }
bad() {
	printf '   %s✘ %s%s\n' "$R" "$*" "$N"
	exit 1
}

# How a person would type a command: program names without build paths.
typed() {
	local w out=()
	for w in "$@"; do
		case $w in
		*/kg-check) out+=(vpnd check) ;;
		/usr/bin/python3) ;;
		"$BUILD"/* | "$SRC"/*) out+=("${w##*/}") ;;
		*) out+=("$w") ;;
		esac
	done
	printf '%s' "${out[*]}"
}

# show HOST CMD...: prints the command as a prompt, runs it in HOST, indents its output.
show() {
	local host=$1 rc
	shift
	printf '   %s%s#%s %s\n' "$B" "$host" "$N" "$(typed "$@")"
	in_ns "$host" "$@" 2>&1 | sed 's/^/     /'
	rc=${PIPESTATUS[0]}
	return "$rc"
}

# A built program: vpnd/vpnd, enroll/enroll, clientcfg/clientcfg, tests/**/softkey.
prog() {
	local p
	for p in "$BUILD/$1/$1" "$BUILD/tests/$1" "$BUILD/tests/$1/$1"; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# need PROG WORD... WHY: stops the demo, saying what is missing, unless PROG
# is built and its --help names every WORD (its subcommands and options).
need() {
	local name=$1 p w help
	shift
	local why=${*: -1}
	p=$(prog "$name") || {
		printf '\n%sThe demo stops here: %s is not built yet (looked in %s).%s\n' "$R" "$name" \
			"$BUILD" "$N"
		printf 'It is needed to %s.\n' "$why"
		exit 1
	}
	help=$("$p" --help 2>&1)
	for w in "${@:1:$#-1}"; do
		grep -qw -- "$w" <<<"$help" || {
			printf '\n%sThe demo stops here: %s has no "%s" yet (%s --help).%s\n' "$R" \
				"$name" "$w" "$p" "$N"
			printf 'It is needed to %s.\n' "$why"
			exit 1
		}
	done
}

# The mail client, as a person would run it, with its one-line verdict.
imap_from() { mail_client "$1" mail imap "$2" --timeout 2 --expect-subject "$SUBJECT"; }
# True when IMAP to the tunnel address cannot be reached at all from HOST.
imap_refused() {
	mail_client "$1" mail imap "$TUN4" --timeout 1 >/dev/null
	[ $? -eq 1 ]
}

step_network() {
	heading "four hosts: the internet, a gateway, a laptop, a phone"
	for h in internet gateway laptop phone; do ns_add "$h"; done
	veth_pair gateway "$GW_PUB/25" internet 198.51.100.126/25
	veth_pair laptop 192.0.2.2/25 internet 192.0.2.1/25
	veth_pair phone 192.0.2.130/25 internet 192.0.2.129/25
	in_ns internet sysctl -qw net.ipv4.ip_forward=1
	in_ns gateway ip route add default via 198.51.100.126
	in_ns laptop ip route add default via 192.0.2.1
	in_ns phone ip route add default via 192.0.2.129
	show gateway ip -br addr
	show laptop ping -c 1 -W 2 "$GW_PUB" >/dev/null || bad "the laptop cannot reach the gateway"
	ok "the laptop reaches the gateway's public address $GW_PUB"
}

step_mail_server() {
	heading "the gateway: a WireGuard interface and dovecot on its address only"
	GW_IF=$(wg_ifname gw)
	# The tunnel address exists before dovecot binds to it; vpnd takes the
	# interface over later (adding an address that is there is a no-op).
	wggo_start gateway "$GW_IF"
	in_ns gateway ip addr replace "$TUN4/24" dev "$GW_IF"
	in_ns gateway ip link set "$GW_IF" up
	dovecot_start gateway mail "$TUN4"
	mail_deliver mail "$SUBJECT"
	show gateway ss -ltn
	ok "dovecot serves IMAP 143/993 and POP3 110/995 on $TUN4 only; one message waits for alice"
}

step_check() {
	heading "the admin checks that no mail port is reachable outside the tunnel"
	local check
	if check=$(prog vpnd) && "$check" check --help >/dev/null 2>&1; then
		show gateway "$check" check --address "$TUN4" || bad "vpnd check found exposed mail ports"
	else
		show gateway "$BUILD/tests/kg-check" --address "$TUN4" ||
			bad "vpnd check found exposed mail ports"
	fi
	ok "vpnd check: every mail listener is on the tunnel address"
}

step_outsider() {
	heading "someone on the internet tries IMAP on the gateway"
	show internet "$(mail_python)" "$SRC/tests/netns/mailclient.py" imap "$GW_PUB" \
		--user alice --password-file /dev/null --timeout 2 &&
		bad "the internet reached the mail server"
	ok "refused: the mail server is not on the public address"
}

step_gateway() {
	heading "the admin starts vpnd (every peer disabled until a key is touched)"
	need vpnd init run peer "run the gateway (vpnd init, vpnd run)"
	VPND=$(prog vpnd)
	CONF=$NET_TMP/vpnd.conf
	# State and control socket in the demo's temp dir, not /var/lib/vpnd and /run/vpnd.
	show gateway "$VPND" init -c "$CONF" --interface "$GW_IF" --address "$TUN4/24" \
		--endpoint "$GW_PUB:51820" --window "$WINDOW" --idle 30m \
		--state-dir "$NET_TMP/state" --control-socket "$NET_TMP/vpnd.sock" ||
		bad "vpnd init failed"
	bg_ns gateway vpnd "$VPND" run -c "$CONF" >/dev/null
	wait_for 5 in_ns gateway "$VPND" status -c "$CONF" || bad "vpnd did not start: $(cat "$NET_TMP/vpnd.log")"
	show gateway "$VPND" status -c "$CONF"
	ok "vpnd runs; its WireGuard interface has no active peer"
}

step_laptop_register() {
	heading "alice enrolls her laptop with her security key"
	need softkey "--socket" "stand in for alice's security key"
	need enroll register up activate "enroll the laptop (enroll register, up, activate)"
	ENROLL=$(prog enroll)
	KEYSOCK=$NET_TMP/alice-key.sock
	bg_ns laptop softkey "$(prog softkey)" --socket "$KEYSOCK" --state "$NET_TMP/softkey.state" >/dev/null
	wait_for 5 test -S "$KEYSOCK" || bad "softkey did not start"
	LAPTOP_IF=$(wg_ifname laptop)
	# enroll writes a wg-quick config, which all namespaces share.
	on_cleanup "in_ns laptop wg-quick down $LAPTOP_IF; rm -f /etc/wireguard/$LAPTOP_IF.conf"
	local uri
	uri=$(in_ns gateway "$VPND" peer add alice-laptop --owner alice -c "$CONF") ||
		bad "vpnd peer add failed"
	printf '   %sgateway#%s vpnd peer add alice-laptop --owner alice\n     %s\n' "$B" "$N" "$uri"
	show laptop "$ENROLL" register "$uri" --device "unix:$KEYSOCK" --interface "$LAPTOP_IF" ||
		bad "enroll register failed"
	ok "the laptop is enrolled: its WireGuard peer exists on the gateway, disabled"
}

step_laptop_refused() {
	heading "before activation, IMAP from the laptop is refused"
	show laptop "$(mail_python)" "$SRC/tests/netns/mailclient.py" imap "$TUN4" \
		--user alice --password-file /dev/null --timeout 2
	imap_refused laptop || bad "IMAP worked before activation"
	ok "no tunnel, no mail"
}

step_laptop_up() {
	heading "alice touches her key: enroll up"
	show laptop "$ENROLL" up "$LAPTOP_IF" --device "unix:$KEYSOCK" || bad "enroll up failed"
	local out
	out=$(imap_from laptop "$TUN4") || bad "IMAP after activation: $out"
	printf '   %slaptop#%s imap %s\n     %s\n' "$B" "$N" "$TUN4" "$out"
	ok "IMAP LOGIN and the mailbox listing work through the tunnel"
}

step_phone() {
	heading "alice's phone: a QR code, then activation with her key"
	need clientcfg "make the phone's config and QR code"
	local png=$NET_TMP/phone.png conf=$NET_TMP/phone.conf out
	show gateway "$(prog clientcfg)" -c "$CONF" alice-phone --owner alice --format qr ||
		bad "clientcfg failed"
	# The phone app scans that code; here the same config comes as a PNG through zbarimg.
	in_ns gateway "$(prog clientcfg)" -c "$CONF" alice-phone-img --owner alice --format png \
		-o "$png" || bad "clientcfg --format png failed"
	zbarimg --raw -q "$png" >"$conf" || bad "the QR code does not decode"
	PHONE_IF=$(wg_ifname phone)
	wggo_start phone "$PHONE_IF"
	grep -viE '^(Address|DNS|MTU) *=' "$conf" | in_ns phone wg setconf "$PHONE_IF" /dev/stdin ||
		bad "wg setconf refused the phone's config"
	in_ns phone ip addr add "$(sed -n 's/^Address *= *\([^,]*\).*/\1/p' "$conf")" dev "$PHONE_IF"
	in_ns phone ip link set "$PHONE_IF" up
	in_ns phone ip route add 10.77.0.0/24 dev "$PHONE_IF"
	imap_refused phone || bad "the phone reached IMAP before activation"
	ok "the phone imported the config; IMAP is still refused"
	show laptop "$ENROLL" activate alice-phone-img --device "unix:$KEYSOCK" ||
		bad "enroll activate failed"
	out=$(imap_from phone "$TUN4") || bad "IMAP from the phone after activation: $out"
	printf '   %sphone#%s imap %s\n     %s\n' "$B" "$N" "$TUN4" "$out"
	ok "the phone reads mail after its owner touched her key"
}

step_expiry() {
	heading "the session window ($WINDOW in this demo) ends"
	show gateway "$VPND" session list -c "$CONF"
	local secs=${WINDOW%s}
	wait_for $((secs + 40)) imap_refused laptop ||
		bad "IMAP still works after the window"
	show laptop "$ENROLL" status "$LAPTOP_IF"
	imap_refused phone || bad "the phone still reaches IMAP after the window"
	ok "the window is over: IMAP is refused from the laptop and the phone"
}

net_init
printf '%skeygate demo%s: mail reachable only through a tunnel opened by a security key\n' "$B" "$N"
step_network
step_mail_server
step_check
step_outsider
step_gateway
step_laptop_refused
step_laptop_register
step_laptop_up
step_phone
step_expiry
printf '\n%sEvery step behaved.%s\n' "$G" "$N"
exit 0

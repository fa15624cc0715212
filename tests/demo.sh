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
. "$SRC/tests/netns/story.sh"

PAUSE=0
[ "${1:-}" = "--pause" ] && PAUSE=1
WINDOW=${DEMO_WINDOW:-30s} # the demo's short session window
PIN=4711                     # alice's security key PIN
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

# How a person would type a command: program names without build paths,
# files of the demo's temp dir by their own names.
typed() {
	local w out=()
	for w in "$@"; do
		case $w in
		/usr/bin/python3) ;;
		"$BUILD"/* | "$SRC"/*) out+=("${w##*/}") ;;
		*"$NET_TMP"/*) out+=("${w//"$NET_TMP"\//}") ;;
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

# show_pin HOST CMD...: as show, with alice's PIN typed on file descriptor 3
# (a person types it at enroll's prompt; the demo needs no terminal).
show_pin() {
	local host=$1 rc
	shift
	printf '   %s%s#%s %s --pin-fd 3  %s(PIN %s)%s\n' "$B" "$host" "$N" "$(typed "$@")" \
		"$B" "$PIN" "$N"
	in_ns "$host" "$@" --pin-fd 3 3<<<"$PIN" 2>&1 | sed 's/^/     /'
	rc=${PIPESTATUS[0]}
	return "$rc"
}

# show_imap HOST [ADDR]: alice's mail client (LOGIN, LIST, SELECT, FETCH)
# in HOST; exit 0 it read the mail, 1 the server was unreachable, 2 other.
show_imap() {
	local host=$1 addr=${2:-$TUN4} rc
	printf '   %s%s#%s imap %s   %s(LOGIN alice, LIST, SELECT INBOX, FETCH)%s\n' \
		"$B" "$host" "$N" "$addr" "$B" "$N"
	mail_client "$host" mail imap "$addr" --timeout 2 --expect-subject "$SUBJECT" 2>&1 |
		sed 's/^/     /'
	rc=${PIPESTATUS[0]}
	return "$rc"
}

step_network() {
	heading "four hosts: the internet, a gateway, a laptop, a phone"
	story_network
	show gateway ip -br addr
	show laptop ping -c 1 -W 2 "$GW_PUB" >/dev/null || bad "the laptop cannot reach the gateway"
	ok "the laptop reaches the gateway's public address $GW_PUB over the internet"
}

step_mail_server() {
	heading "the gateway: a WireGuard interface and dovecot on its address only"
	story_mail_server
	show gateway ss -ltn
	ok "dovecot serves IMAP 143/993 and POP3 110/995 on $TUN4 only; one message waits for alice"
}

step_check() {
	heading "the admin checks the mail listeners"
	show gateway "$(prog vpnd)" check --address "$TUN4" || bad "vpnd check found exposed mail ports"
	ok "vpnd check: every mail listener is on the tunnel address"
}

step_outsider() {
	heading "someone on the internet tries IMAP on the gateway"
	local rc
	show_imap internet "$GW_PUB"
	rc=$?
	[ "$rc" -eq 1 ] || bad "the internet reached the mail server (exit $rc)"
	printf '   %sinternet#%s ip route add 10.77.0.0/24 via %s   %s(a neighbour of the gateway)%s\n' \
		"$B" "$N" "$GW_PUB" "$B" "$N"
	story_outsider_route || bad "cannot add the outsider's route"
	show_imap internet "$TUN4"
	rc=$?
	[ "$rc" -eq 1 ] || bad "the internet reached the tunnel address (exit $rc)"
	ok "refused on the public address, and on the tunnel address sent to the gateway"
}

step_gateway() {
	heading "the admin starts vpnd (every peer disabled until a key is touched)"
	need vpnd init run peer "run the gateway (vpnd init, vpnd run)"
	story_vpnd_paths
	printf '   %sgateway#%s vpnd init -c vpnd.conf --interface %s --address %s/24 --endpoint %s:51820 --window %s\n' \
		"$B" "$N" "$GW_IF" "$TUN4" "$GW_PUB" "$WINDOW"
	story_vpnd_init --window "$WINDOW" --idle 30m 2>&1 | sed 's/^/     /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || bad "vpnd init failed"
	printf '   %sgateway#%s vpnd run -c vpnd.conf &\n' "$B" "$N"
	story_vpnd_run
	show gateway wg show "$GW_IF"
	ok "vpnd runs; its WireGuard interface has no peer at all"
	printf '   %sgateway#%s nft list chain inet keygate input\n' "$B" "$N"
	show gateway nft list chain inet keygate input || bad "vpnd installed no table inet keygate"
	ok "the second wall, vpnd's own: mail ports answer on $GW_IF and loopback only (Linux would answer on any interface)"
}

step_laptop_refused() {
	heading "before activation, IMAP from the laptop is refused"
	local rc
	show_imap laptop
	rc=$?
	[ "$rc" -eq 1 ] || bad "IMAP from the laptop before activation (exit $rc)"
	ok "no tunnel, no mail"
}

step_laptop_register() {
	heading "alice enrolls her laptop with her security key"
	need softkey "--socket" "stand in for alice's security key"
	need enroll register up activate "enroll the laptop (enroll register, up, activate)"
	ENROLL=$(prog enroll)
	story_softkey
	LAPTOP_IF=$(wg_ifname laptop)
	story_laptop_files "$LAPTOP_IF"
	local uri
	uri=$(vpnd_cmd peer add alice-laptop --owner alice) || bad "vpnd peer add failed"
	printf '   %sgateway#%s vpnd peer add alice-laptop --owner alice\n     %s\n' "$B" "$N" "$uri"
	show_pin laptop "$ENROLL" register "$uri" --device "$KEYDEV" --interface "$LAPTOP_IF" ||
		bad "enroll register failed"
	show gateway "$VPND" peer list -c "$CONF"
	ok "the laptop is enrolled: the gateway knows its key, and keeps it off the interface"
}

step_laptop_up() {
	heading "alice touches her key: enroll up"
	show_pin laptop "$ENROLL" up "$LAPTOP_IF" --device "$KEYDEV" || bad "enroll up failed"
	show_imap laptop || bad "IMAP from the laptop after activation failed"
	show gateway wg show "$GW_IF"
	ok "IMAP LOGIN and the mailbox listing work through the tunnel"
}

step_phone() {
	heading "alice's phone: a QR code, then activation with her key"
	need clientcfg "make the phone's config and QR code"
	local qr=$NET_TMP/phone.qr conf=$NET_TMP/phone.conf rc
	printf '   %sgateway#%s clientcfg -c vpnd.conf alice-phone --owner alice --format qr\n' "$B" "$N"
	in_ns gateway "$(prog clientcfg)" -c "$CONF" alice-phone --owner alice --format qr -o "$qr" \
		2>&1 | sed 's/^/     /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || bad "clientcfg failed"
	cat "$qr"
	# The phone's camera, here: the printed code back to an image, read by zbarimg.
	{ "$(mail_python)" "$SRC/tests/netns/qrtext.py" "$qr" >"$NET_TMP/phone.pbm" &&
		zbarimg --raw -q "$NET_TMP/phone.pbm" >"$conf" 2>/dev/null; } ||
		bad "the printed QR code does not decode"
	story_phone_import "$conf"
	ok "the phone scanned the code (zbarimg) and set up WireGuard from it"
	show_imap phone
	rc=$?
	[ "$rc" -eq 1 ] || bad "the phone reached IMAP before activation (exit $rc)"
	ok "the phone has the config, but the gateway keeps it off: IMAP is refused"
	show_pin laptop "$ENROLL" activate alice-phone --interface "$LAPTOP_IF" --device "$KEYDEV" ||
		bad "enroll activate failed"
	# The phone's WireGuard retries its handshake every 5 s, as the app does.
	wait_for 12 imap_from phone || true
	show_imap phone || bad "IMAP from the phone after activation failed"
	ok "the phone reads mail after its owner touched her key"
}

step_expiry() {
	heading "the session window ($WINDOW in this demo) ends"
	show gateway "$VPND" session list -c "$CONF"
	local secs=${WINDOW%s} rc
	printf '   (waiting for the window to end)\n'
	wait_for $((secs + 10)) imap_refused laptop || bad "IMAP still works after the window"
	# The phone was activated a moment after the laptop.
	wait_for 10 imap_refused phone || bad "the phone still reaches IMAP after the window"
	show gateway wg show "$GW_IF"
	show laptop "$ENROLL" status "$LAPTOP_IF"
	show_imap laptop
	rc=$?
	[ "$rc" -eq 1 ] || bad "IMAP from the laptop after the window (exit $rc)"
	show_imap phone
	rc=$?
	[ "$rc" -eq 1 ] || bad "IMAP from the phone after the window (exit $rc)"
	ok "the window is over: the peers are off the interface, IMAP is refused from both"
}

net_init
trap 'printf "\n%sInterrupted%s: removing the demo'"'"'s hosts and processes.\n" "$B" "$N"; exit 130' INT
printf '%skeygate demo%s: mail reachable only through a tunnel opened by a security key\n' "$B" "$N"
step_network
step_mail_server
step_check
step_gateway
step_outsider
step_laptop_refused
step_laptop_register
step_laptop_up
step_phone
step_expiry
printf '\n%sEvery step behaved.%s\n' "$G" "$N"
exit 0

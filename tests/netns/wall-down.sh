#!/bin/bash
# SPDX-License-Identifier: ISC
# The kernel wall holds while vpnd does not run (issue 13): for each of
# SIGTERM, kill -9 and SIGSTOP of vpnd inside a 3 s window, IMAP through
# the tunnel works before and is refused within 1 s of the window's end,
# with the peer still on the interface (so the table did it, not vpnd).
# An idle timeout of 3 s runs in the kernel too: mail passes while
# traffic flows and is refused after 3 s of silence. A restart reconciles
# the sets with the sessions file.
. "$(dirname "$0")/vpnd-lib.sh"
. "$SRC/tests/netns/dovecot.sh"
command -v nft >/dev/null || fail "nft not installed (package nftables)"
vpnd_setup
# dovecot on the tunnel address; it must exist before dovecot binds it.
in_ns gw ip addr replace 10.77.0.1/24 dev "$GWIF"
in_ns gw ip link set "$GWIF" up
dovecot_start gw mail 10.77.0.1
SUBJECT="wall $RUN_ID"
mail_deliver mail "$SUBJECT"
vpnd_start
must vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB" --address 10.77.0.2 >/dev/null
must vpnd_cmd owner set alice --idle off >/dev/null

imap() { mail_client laptop mail imap 10.77.0.1 --timeout "${1:-2}" --expect-subject "$SUBJECT"; }
# A TCP connection to IMAP within 0.3 s: what "refused" is measured by
# (the table drops, so a refused connection times out); Dovecot's greeting
# may take longer on a loaded machine.
imap_port() {
	in_ns laptop "$(mail_python)" -c 'import socket, sys
s = socket.create_connection(("10.77.0.1", 143), timeout=0.3)
s.settimeout(2)
sys.exit(0 if s.recv(64).startswith(b"* OK") else 1)' 2>/dev/null
}
# Polls imap_port every 0.1 s for up to $1 s; prints when the first try
# that failed began.
refused_at() {
	local end t
	end=$(echo "$(now) + $1" | bc)
	while [ "$(echo "$(now) < $end" | bc)" = 1 ]; do
		t=$(now)
		imap_port || {
			echo "$t"
			return 0
		}
		sleep 0.1
	done
	return 1
}
# Not `! has_laptop` (pipefail): the listing must succeed and lack the peer.
laptop_off() {
	local p
	p=$(gw_peers) && ! grep -qxF "$LAPTOP_PUB" <<<"$p"
}
session_gone_laptop() {
	local list
	list=$(vpnd_cmd session list) && ! grep -qw laptop <<<"$list"
}
set_members() { in_ns gw nft list set inet keygate "$1" 2>/dev/null | tr -d '\n'; }

for sig in TERM KILL STOP; do
	log "vpnd gets SIG$sig inside a 3 s window"
	t0=$(now)
	must vpnd_cmd session open laptop --window 3s >/dev/null
	t0b=$(now) # the window began between t0 and t0b
	laptop_reaches_gw 2 || fail "SIG$sig: no ping through the tunnel after session open"
	out=$(imap) || fail "SIG$sig: no IMAP through the tunnel inside the window: $out"
	kill "-$sig" "$VPND_PID"
	[ "$sig" = STOP ] || wait "$VPND_PID" 2>/dev/null
	# Before the window's end the tunnel still carries mail without vpnd.
	if [ "$(echo "$(elapsed "$t0") < 2.2" | bc)" = 1 ]; then
		imap_port || fail "SIG$sig: IMAP refused before the window's end, $(elapsed "$t0") s in"
	fi
	at=$(refused_at 6) || fail "SIG$sig: IMAP still reachable 6 s after the window's end"
	late=$(echo "$at - $t0b - 3" | bc)
	log "SIG$sig: refused $late s after the window's end"
	[ "$(echo "$late < 1.0" | bc)" = 1 ] || fail "SIG$sig: refused $late s after the window's end"
	[ "$(echo "$late > -0.5" | bc)" = 1 ] || fail "SIG$sig: refused $late s before the window's end"
	has_laptop || fail "SIG$sig: the peer left the interface: vpnd, not the kernel, closed it"
	out=$(imap 1) && fail "SIG$sig: IMAP logged in after the window: $out"
	# vpnd back: the session is over, the peer goes.
	if [ "$sig" = STOP ]; then
		kill -CONT "$VPND_PID"
		wait_for 3 session_gone_laptop 2>/dev/null
		vpnd_stop TERM
	fi
	VPND_PID=""
	vpnd_start
	wait_for 3 laptop_off || fail "SIG$sig: the restarted vpnd left the peer on"
done

log "idle 3 s in the kernel while vpnd is stopped"
must vpnd_cmd owner set alice --idle 3s >/dev/null
must vpnd_cmd session open laptop --window 1h >/dev/null
laptop_reaches_gw 2 || fail "idle: no ping through the tunnel"
vpnd_stop TERM
# Traffic every 0.5 s for 6 s: twice the idle timeout, and mail still passes.
in_ns laptop ping -n -q -i 0.5 -c 12 -W 1 10.77.0.1 >"$NET_TMP/ping" 2>&1 ||
	fail "idle: pings every 0.5 s were dropped: $(cat "$NET_TMP/ping")"
out=$(imap) || fail "idle: no IMAP after 6 s of traffic: $out"
t0=$(now)
sleep 3.4
imap_port && fail "idle: IMAP reachable after $(elapsed "$t0") s of silence"
has_laptop || fail "idle: the peer left the interface without vpnd"
log "idle: refused after $(elapsed "$t0") s of silence, the peer still on"
# The restarted vpnd finds the kernel's element gone and ends the session.
vpnd_start
wait_for 5 laptop_off || fail "idle: the restarted vpnd kept the idle session"
grep -q 'event=session-end peer=laptop owner=alice reason=idle by=vpnd' "$NET_TMP/vpnd.log" ||
	fail "idle: no audit line for the idle end: $(tail -n 3 "$NET_TMP/vpnd.log")"

log "a restart reconciles the sets with the sessions file"
must vpnd_cmd owner set alice --idle off >/dev/null
must vpnd_cmd peer add other --owner alice --public-key "$(wg genkey | wg pubkey)" \
	--address 10.77.0.3 >/dev/null
must vpnd_cmd session open laptop --window 1h >/dev/null
must vpnd_cmd session open other --window 1h >/dev/null
grep -q 10.77.0.3 <<<"$(set_members window4_off)" || fail "session open: 10.77.0.3 not in the set"
must vpnd_cmd session kill other
grep -q 10.77.0.3 <<<"$(set_members window4_off)" && fail "session kill: 10.77.0.3 still in the set"
vpnd_stop TERM
# Behind vpnd's back: the live session's element out, the ended one's in.
must in_ns gw nft delete element inet keygate window4_off '{ 10.77.0.2 }'
must in_ns gw nft add element inet keygate window4_off '{ 10.77.0.3 timeout 1h }'
vpnd_start
members=$(set_members window4_off)
grep -q '10.77.0.2 ' <<<"$members" || fail "restart: the live session is not back: $members"
grep -q 10.77.0.3 <<<"$members" && fail "restart: the ended session is in the set: $members"
laptop_reaches_gw 3 || fail "restart: no ping through the tunnel"
out=$(imap) || fail "restart: no IMAP through the tunnel: $out"
pass "windows and idle timeouts end in the kernel with vpnd stopped, killed or frozen"

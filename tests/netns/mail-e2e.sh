#!/bin/bash
# SPDX-License-Identifier: ISC
# The mail end to end, on the story's hosts: a real dovecot account on the
# tunnel address; a message delivered, then fetched over IMAP, IMAPS, POP3
# and POP3S through the tunnel from the laptop (enroll + softkey) and the
# phone (clientcfg's config, activated with `enroll activate`). Every mail
# port is unreachable from both before activation, after the window, after
# `vpnd session kill` and after the idle timeout; and from the "internet"
# namespace at all times, on the public address and on the tunnel address
# routed through the gateway (the job of vpnd's nftables table).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
. "$SRC/tests/netns/story.sh"
WINDOW=15 # seconds, the window phase
IDLE=10   # seconds, the idle phase

need vpnd init run peer session owner check "run the gateway"
need enroll register up activate "enroll and activate the laptop"
need softkey --socket "stand in for the security key"
need clientcfg "make the phone's config"
ENROLL=$(prog enroll)
command -v nft >/dev/null || fail "nft not installed (package nftables)"

net_init
story_network
story_mail_server
story_outsider_route

# closed WHEN HOST...: every mail port refuses or times out from each HOST
# (to the tunnel address) and from the internet (to both addresses). The
# probes run at once: each one that times out takes 2 s.
closed() {
	local when=$1 h p i=0 rc bad=""
	shift
	local probes=() pids=()
	for h in "$@"; do
		for p in "${MAIL_PROTOS[@]}"; do probes+=("$h $p $TUN4"); done
	done
	for p in "${MAIL_PROTOS[@]}"; do probes+=("internet $p $GW_PUB" "internet $p $TUN4"); done
	local ph pp pa
	for p in "${probes[@]}"; do
		read -r ph pp pa <<<"$p"
		mail_client "$ph" mail "$pp" "$pa" --timeout 2 >"$NET_TMP/probe$i.out" 2>&1 &
		pids+=("$!")
		i=$((i + 1))
	done
	i=0
	for p in "${probes[@]}"; do
		wait "${pids[$i]}"
		rc=$?
		[ "$rc" -eq 1 ] || bad+="  $p: exit $rc: $(cat "$NET_TMP/probe$i.out")"$'\n'
		i=$((i + 1))
	done
	[ -z "$bad" ] || fail "reachable $when:"$'\n'"$bad"
	log "closed $when: ${#probes[@]} probes from $* internet"
}

# opened HOST SUBJECT: all four protocols fetch SUBJECT through the tunnel.
opened() {
	wait_for 5 imap_from "$1" || fail "no IMAP from $1 through the tunnel: $(imap_from "$1")"
	mail_all_ok "$1" mail "$TUN4" "$2"
}

# Not `| grep -q` (pipefail): the listing must succeed and lack NAME.
session_gone() {
	local list
	list=$(vpnd_cmd session list) && ! grep -qw -- "$1" <<<"$list"
}

# ended_by PEER REASON: vpnd's audit line says why the session ended.
ended_by() {
	grep "event=session-end peer=$1 " "$NET_TMP/vpnd.log" | tail -n 1 | grep -q "reason=$2" ||
		fail "$1's session did not end by $2: $(grep "peer=$1 " "$NET_TMP/vpnd.log" | tail -n 2)"
}

# Why the wall (vpnd's table): without it the outsider logs in.
mail_client internet mail imap "$TUN4" --timeout 2 >/dev/null ||
	fail "the outsider should reach $TUN4 through the gateway without the wall (the probe is broken)"

story_vpnd_paths
must story_vpnd_init --window 10h --idle 30m >/dev/null
story_vpnd_run
must vpnd_cmd check >/dev/null

# Both devices enrolled, neither active.
story_softkey
LAPTOP_IF=$(wg_ifname laptop)
story_laptop_files "$LAPTOP_IF"
uri=$(vpnd_cmd peer add alice-laptop --owner alice) || fail "vpnd peer add failed"
must in_ns laptop "$ENROLL" register "$uri" --device "$KEYDEV" --interface "$LAPTOP_IF" \
	--pin-fd 3 3<<<"$PIN" >/dev/null
must in_ns gateway "$(prog clientcfg)" -c "$CONF" alice-phone --owner alice --format conf \
	-o "$NET_TMP/phone.conf"
story_phone_import "$NET_TMP/phone.conf"
# The laptop's tunnel is configured but has no session yet.
must in_ns laptop wg-quick up "$LAPTOP_IF" 2>/dev/null
closed "before activation" laptop phone
must in_ns laptop wg-quick down "$LAPTOP_IF" 2>/dev/null

key() { in_ns laptop "$ENROLL" "$@" --device "$KEYDEV" --pin-fd 3 3<<<"$PIN" >/dev/null; }
activate_both() {
	must key up "$LAPTOP_IF"
	must key activate alice-phone --interface "$LAPTOP_IF"
	# With the idle timeout short, the phone must handshake within it.
	story_phone_toggle
}
deliver_and_fetch() {
	mail_deliver mail "$1"
	opened laptop "$1"
	opened phone "$1"
}

# 1. The window ends.
must vpnd_cmd owner set alice --window "${WINDOW}s" --idle off
activate_both
deliver_and_fetch "window $RUN_ID"
closed "while both are active (from the internet only)"
wait_for $((WINDOW + 10)) session_gone alice-laptop || fail "the laptop's window did not end"
wait_for 10 session_gone alice-phone || fail "the phone's window did not end"
ended_by alice-laptop expired
ended_by alice-phone expired
in_ns laptop "$ENROLL" status "$LAPTOP_IF" | grep -q "window ended" ||
	fail "enroll status after the window: $(in_ns laptop "$ENROLL" status "$LAPTOP_IF")"
closed "after the window" laptop phone

# 2. The admin ends both sessions.
must vpnd_cmd owner set alice --window 10h
activate_both
deliver_and_fetch "kill $RUN_ID"
must vpnd_cmd session kill alice-laptop
must vpnd_cmd session kill alice-phone
ended_by alice-laptop killed
ended_by alice-phone killed
closed "after session kill" laptop phone

# 3. No handshake for the idle time: no probe may pass through the tunnel
# now, as any would count as activity.
must vpnd_cmd owner set alice --idle "${IDLE}s"
activate_both
deliver_and_fetch "idle $RUN_ID"
wait_for $((IDLE + 15)) session_gone alice-laptop || fail "the laptop's idle timeout did not end it"
wait_for 15 session_gone alice-phone || fail "the phone's idle timeout did not end it"
ended_by alice-laptop idle
ended_by alice-phone idle
closed "after the idle timeout" laptop phone
pass "mail only through an activated tunnel: window, kill, idle; never from the internet"

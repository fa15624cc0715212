#!/bin/bash
# SPDX-License-Identifier: ISC
# Fail closed across restarts: kill -9 during a session, wait past the
# window, start again: the peer is removed at start. A restart inside the
# window keeps the session and its peer.
. "$(dirname "$0")/vpnd-lib.sh"
vpnd_setup
vpnd_start
must vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB" --address 10.77.0.2 >/dev/null

must vpnd_cmd session open laptop --window 4s >/dev/null
has_laptop || fail "session open: peer not on the interface"
vpnd_stop KILL
has_laptop || fail "the peer went with vpnd (nothing should remove it but vpnd)"
sleep 5
has_laptop || fail "setup: the peer should still be there while vpnd is down"
vpnd_start
has_laptop && fail "after the window, a restarted vpnd kept the peer"
grep -q 'event=reconcile interface=.* removed=1' "$NET_TMP/vpnd.log" ||
	fail "no audit line for the removal at start"
# It went before the control socket opened: the log has it before "serving".
[ "$(grep -n 'event=reconcile' "$NET_TMP/vpnd.log" | cut -d: -f1 | tail -n1)" -lt \
	"$(grep -n 'serving' "$NET_TMP/vpnd.log" | cut -d: -f1 | tail -n1)" ] ||
	fail "the stale peer was removed only after vpnd started serving"

# Restart inside the window: kill -9 and a clean stop both keep it.
must vpnd_cmd session open laptop --window 10m >/dev/null
laptop_reaches_gw 5 || fail "no ping through the tunnel"
until1=$(vpnd_cmd session list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["until"])')
vpnd_stop KILL
vpnd_start
has_laptop || fail "a restart inside the window removed the peer"
until2=$(vpnd_cmd session list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["until"])')
[ "$until1" = "$until2" ] || fail "the window changed over a restart: $until1 -> $until2"
can_ping laptop 10.77.0.1 || fail "traffic stopped over a restart inside the window"
vpnd_stop TERM
vpnd_start
has_laptop || fail "a clean restart inside the window removed the peer"
# A peer nobody opened, put on the interface behind vpnd's back, goes at start.
wg genkey | wg pubkey >"$NET_TMP/rogue.pub"
vpnd_stop TERM
in_ns gw wg set "$GWIF" peer "$(cat "$NET_TMP/rogue.pub")" allowed-ips 10.77.0.99/32
vpnd_start
gw_peers | grep -qxF "$(cat "$NET_TMP/rogue.pub")" && fail "a peer without a session survived start"
has_laptop || fail "the live session's peer went with the rogue one"
pass "kill -9 past the window removes the peer; restarts inside it keep it"

#!/bin/bash
# SPDX-License-Identifier: ISC
# A 3 s window ends within 1 s of its deadline; an idle timeout ends a
# session after no handshake for that long, but not one just opened.
. "$(dirname "$0")/vpnd-lib.sh"
vpnd_setup
vpnd_start
must vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB" --address 10.77.0.2 >/dev/null

# The window starts while `session open` runs: no sooner than t0, no later
# than t0b (a sanitizer build's command takes its time).
t0=$(now)
must vpnd_cmd session open laptop --window 3s >/dev/null
t0b=$(now)
has_laptop || fail "session open: peer not on the interface"
wait_for 6 bash -c "! ip netns exec $(ns_name gw) wg show $GWIF peers | grep -q ." ||
	fail "the peer outlived its 3 s window by 3 s"
took=$(elapsed "$t0") late=$(elapsed "$t0b")
log "window 3 s: peer gone after ${took} s"
[ "$(echo "$took >= 2.9 && $late < 4.0" | bc)" = 1 ] || fail "3 s window ended after $took s"
# The peer goes first, the audit line after the firewall and the file.
wait_for 3 grep -q 'event=session-end peer=laptop owner=alice reason=expired' "$NET_TMP/vpnd.log" ||
	fail "no audit line for the expiry"

# Idle: 4 s without a handshake. Opened and never used: still there at 3 s.
must vpnd_cmd peer remove laptop
must vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB" --address 10.77.0.2 \
	--idle 4s --no-enroll
t0=$(now)
must vpnd_cmd session open laptop >/dev/null
sleep 3
has_laptop || fail "a session not yet used was ended before its idle time"
# A handshake now (the ping) counts as activity; then silence. The
# handshake comes after t1a and before t1.
t1a=$(now)
laptop_reaches_gw 5 || fail "no ping through the tunnel"
t1=$(now)
sleep "$(echo "x = 3.0 - $(elapsed "$t1a"); if (x > 0) x else 0" | bc)"
has_laptop || fail "a session used under 3 s ago was ended (idle is 4 s)"
wait_for 5 bash -c "! ip netns exec $(ns_name gw) wg show $GWIF peers | grep -q ." ||
	fail "the idle session was not ended"
took=$(elapsed "$t1a") late=$(elapsed "$t1")
log "idle 4 s: peer gone ${late} s after the last handshake"
[ "$(echo "$took >= 3.5 && $late < 5.5" | bc)" = 1 ] || fail "idle ended after $late s"
wait_for 3 grep -q 'event=session-end peer=laptop owner=alice reason=idle' "$NET_TMP/vpnd.log" ||
	fail "no audit line for the idle end"

# WireGuard unreachable at the deadline (its UAPI socket moved away): the
# removal fails, and vpnd keeps trying until the peer is gone once the
# socket is back; nothing else removes it.
sock=/var/run/wireguard/$GWIF.sock
must vpnd_cmd session open laptop --window 4s >/dev/null
has_laptop || fail "session open: peer not on the interface"
mv "$sock" "$sock.away"
on_cleanup "rm -f $sock.away"
wait_for 8 grep -q "cannot update peers on $GWIF" "$NET_TMP/vpnd.log" || {
	mv "$sock.away" "$sock"
	fail "vpnd did not try to remove the expired peer: $(tail -n 5 "$NET_TMP/vpnd.log")"
}
sleep 1.5
mv "$sock.away" "$sock"
has_laptop || fail "the peer went while WireGuard was unreachable (test broken)"
wait_for 3 bash -c "! ip netns exec $(ns_name gw) wg show $GWIF peers | grep -q ." ||
	fail "a peer whose removal failed stays on the interface"
wait_for 2 grep -q "peers of ended sessions removed on retry" "$NET_TMP/vpnd.log" ||
	fail "the retry is not logged: $(tail -n 8 "$NET_TMP/vpnd.log")"
pass "window and idle expiry"

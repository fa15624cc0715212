#!/bin/bash
# SPDX-License-Identifier: ISC
# peer add keeps the peer off the interface; session open puts it on and
# traffic passes; session kill takes it off at once.
. "$(dirname "$0")/vpnd-lib.sh"
vpnd_setup
vpnd_start

uri=$(vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB" --address 10.77.0.2) ||
	fail "peer add failed"
case $uri in keygate://192.0.2.1:51821/\?gw=*\&code=*) ;; *) fail "peer add printed '$uri'" ;; esac
[ -z "$(gw_peers)" ] || fail "an enrolled peer is on the interface before any session"
can_ping laptop 10.77.0.1 && fail "traffic passes before a session"
vpnd_cmd peer list | grep -q '^laptop  *alice  *laptop  *10.77.0.2  *enabled  *-' ||
	fail "peer list: $(vpnd_cmd peer list)"

must vpnd_cmd session open laptop >/dev/null
has_laptop || fail "session open: wg show does not list the peer"
laptop_reaches_gw 5 || fail "session open: no ping through the tunnel"
vpnd_cmd session list --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert len(s) == 1 and s[0]["name"] == "laptop" and s[0]["by"] == "admin", s
# The 30 min idle timeout ends it before the 10 h window, unless used.
assert 1700 < s[0]["left"] <= 1800 and s[0]["ends-by"] == "idle", s' || fail "session list --json is wrong"

must vpnd_cmd session kill laptop
has_laptop && fail "session kill: the peer is still on the interface"
can_ping laptop 10.77.0.1 && fail "session kill: traffic still passes"
grep -q 'event=session-end peer=laptop owner=alice reason=killed by=admin' "$NET_TMP/vpnd.log" ||
	fail "no audit line for the kill"

# A disabled peer cannot be opened; a removed one is gone.
must vpnd_cmd peer disable laptop
vpnd_cmd session open laptop 2>"$NET_TMP/err" && fail "session open on a disabled peer worked"
grep -q "disabled" "$NET_TMP/err" || fail "unclear refusal: $(cat "$NET_TMP/err")"
must vpnd_cmd peer remove laptop
[ -z "$(vpnd_cmd peer list | tail -n +2)" ] || fail "peer remove left the peer listed"
pass "peer add, session open, session kill"

#!/bin/bash
# SPDX-License-Identifier: ISC
# A phone end to end: clientcfg registers it with the running vpnd and
# writes a PNG; a "phone" namespace runs wireguard-go configured from what
# zbarimg reads off that PNG. The phone is listed as a mobile peer of its
# owner and stays off the gateway's interface (no traffic) until its owner
# runs `enroll activate PHONE` on her laptop with her security key (touch
# and PIN): then it is on the interface with the config's own pre-shared
# key (the laptop gets none) and reaches the gateway's tunnel address
# (ping, TCP). Another owner's key, or a wrong PIN, opens nothing. The
# session ends after the idle timeout and after the window, as a laptop's.
# A second phone, from an SVG, is opened by the admin (`vpnd session open`).
#
# PHONE_ACTIVATION=admin runs the first phone's checks with the admin path
# instead of the security key.
. "$(dirname "$0")/activation-lib.sh"
CLIENTCFG=${CLIENTCFG:-$BUILD/clientcfg/clientcfg}
MAIL_PORT=1143 # act_setup's stand-in for the mail server, on 10.77.0.1 only
[ -x "$CLIENTCFG" ] || fail "no $CLIENTCFG: build first"
act_setup
softkey_start alice --pin "$PIN"
softkey_start bob --pin "$PIN"
# The phone reaches the gateway's endpoint (192.0.2.1) over its own link.
ns_add phone
veth_pair gw 198.51.100.1/24 phone 198.51.100.2/24
in_ns phone ip route add 192.0.2.0/24 via 198.51.100.1
PIF=$(wg_ifname phone)
wggo_start phone "$PIF"
on_cleanup "rm -f /var/run/wireguard/$PIF.name"

# Alice's laptop, with her key; bob's, with his (another config beside it).
uri=$(vpnd_cmd peer add laptop --owner alice) || fail "peer add laptop failed"
must enroll_as alice "$PIN" -- register "$uri" >/dev/null
uri=$(vpnd_cmd peer add bob-laptop --owner bob) || fail "peer add bob-laptop failed"
must in_ns laptop "$ENROLL" register "$uri" --device "unix:$NET_TMP/bob.sock" --pin-fd 3 \
	--config-dir "$WGDIR" --interface bobif 3<<<"$PIN" >/dev/null
on_cleanup "rm -f /var/run/wireguard/bobif.sock /var/run/wireguard/bobif.name"

# phone_decode IMAGE OUT: what a phone camera reads off the image.
phone_decode() {
	local img=$1 out=$2
	case $img in
	*.svg)
		rsvg-convert -o "$img.png" "$img" || fail "rsvg-convert cannot draw $img"
		img=$img.png
		;;
	esac
	zbarimg -q --nodbus --raw -Sbinary "$img" >"$out" || fail "zbarimg cannot read $img"
	# zbarimg adds a newline of its own.
	truncate -s -1 "$out"
	chmod 600 "$out"
}

# phone_import CONF: the phone as the WireGuard app sets it up from CONF,
# after checking what the config says. Sets PHONE_PUB, PHONE_PSK, PHONE_ADDR.
phone_import() {
	local conf=$1
	conf_value() { sed -n "s/^$1 = //p" "$conf"; }
	PHONE_PUB=$(conf_value PrivateKey | wg pubkey) || fail "no PrivateKey in the decoded config"
	PHONE_PSK=$(conf_value PresharedKey)
	PHONE_ADDR=$(conf_value Address)
	[ -n "$PHONE_PSK" ] || fail "no PresharedKey in the decoded config"
	[ "$(conf_value PublicKey)" = "$GW_PUB" ] || fail "the config has not the gateway's key"
	[ "$(conf_value Endpoint)" = 192.0.2.1:51820 ] || fail "endpoint: $(conf_value Endpoint)"
	[ "$(conf_value AllowedIPs)" = 10.77.0.0/24 ] || fail "AllowedIPs: $(conf_value AllowedIPs)"
	case $PHONE_ADDR in 10.77.0.*/32) ;; *) fail "Address: $PHONE_ADDR" ;; esac
	wg-quick strip "$conf" >"$conf.stripped" || fail "wg-quick strip $conf"
	PHONE_STRIPPED=$conf.stripped
	in_ns phone wg setconf "$PIF" "$PHONE_STRIPPED" || fail "wg setconf $conf"
	in_ns phone ip addr flush dev "$PIF"
	in_ns phone ip addr add "$PHONE_ADDR" dev "$PIF"
	in_ns phone ip link set "$PIF" up
	in_ns phone ip route replace 10.77.0.0/24 dev "$PIF"
}

phone_on_gw() { gw_peers | grep -qxF "$PHONE_PUB"; }
# The phone forgets earlier failed handshakes (FACTS.md: up to 5 s
# otherwise): setconf replaces its peer, as re-importing the config would.
phone_reaches_gw() {
	in_ns phone wg setconf "$PIF" "$PHONE_STRIPPED"
	wait_for "${1:-5}" can_ping phone 10.77.0.1
}
phone_closed() { # WHEN
	phone_on_gw && fail "$1: the phone is on the gateway's interface"
	can_ping phone 10.77.0.1 && fail "$1: ping passes"
	tcp_open phone 10.77.0.1 "$MAIL_PORT" && fail "$1: TCP passes"
	return 0
}
# The phone is on with the config's pre-shared key, and traffic passes.
phone_open() { # WHEN
	phone_on_gw || fail "$1: wg show does not list the phone"
	[ "$(gw_psk_of "$PHONE_PUB")" = "$PHONE_PSK" ] ||
		fail "$1: the phone's pre-shared key on the gateway is not the config's"
	phone_reaches_gw 5 || fail "$1: no ping through the tunnel"
	tcp_open phone 10.77.0.1 "$MAIL_PORT" || fail "$1: no TCP connection"
}
# Not `| grep -q` (pipefail): the listing must succeed and lack NAME.
session_gone() {
	local list
	list=$(vpnd_cmd session list) && ! grep -qw -- "$1" <<<"$list"
}
# The reason vpnd's audit log gives for NAME's last session end.
end_reason() {
	sed -n "s/.*event=session-end peer=$1 .*reason=\([a-z-]*\).*/\1/p" "$NET_TMP/vpnd.log" |
		tail -n 1
}

# What `enroll status --peer alice-phone` on alice's laptop says.
phone_status() {
	in_ns laptop "$ENROLL" status "$LIF" --peer alice-phone --config-dir "$WGDIR" ||
		fail "enroll status --peer alice-phone failed"
}

# refused CMD... : fails with exactly one line on stderr matching $WANT.
refused() {
	local err
	err=$("$@" 2>&1 >/dev/null) && fail "accepted: $*"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "more than one line: $err"
	printf '%s\n' "$err" | grep -q -- "$WANT" || fail "expected '$WANT', got: $err"
	log "refused: $err"
}

# The laptop's side of activating the phone: what it prints, what it keeps.
laptop_files() { (cd "$WGDIR" && sha256sum -- *); }
# (wg show interfaces would list every namespace's wireguard-go sockets.)
laptop_links() { in_ns laptop ip -o link show | cut -d: -f2; }
activate_phone() {
	local out err before links
	case ${PHONE_ACTIVATION:-enroll} in
	enroll)
		before=$(laptop_files)
		links=$(laptop_links)
		out=$(enroll_as alice "$PIN" -- activate alice-phone 2>"$NET_TMP/activate.err") ||
			fail "enroll activate failed: $(cat "$NET_TMP/activate.err")"
		err=$(cat "$NET_TMP/activate.err")
		[ -z "$err" ] || fail "enroll activate said on stderr: $err"
		# The touch prompt, then the window.
		[[ $(tail -n 1 <<<"$out") =~ ^alice-phone\ is\ active\ until\ .*left\)\.$ ]] ||
			fail "enroll activate printed: $out"
		# Nothing for the laptop to keep: no session key, no tunnel.
		[ "$(laptop_files)" = "$before" ] || fail "enroll activate changed $WGDIR"
		[ "$(laptop_links)" = "$links" ] ||
			fail "enroll activate made an interface on the laptop: $(laptop_links)"
		;;
	admin) vpnd_cmd session open alice-phone >/dev/null ;;
	*) fail "unknown PHONE_ACTIVATION '$PHONE_ACTIVATION'" ;;
	esac
}

must "$CLIENTCFG" -c "$CONF" alice-phone --owner alice -o "$NET_TMP/phone.png" >/dev/null
[ "$(stat -c %a "$NET_TMP/phone.png")" = 600 ] || fail "the PNG is not mode 0600"
phone_decode "$NET_TMP/phone.png" "$NET_TMP/phone.conf"
phone_import "$NET_TMP/phone.conf"

# vpnd lists it as alice's mobile peer, with the key from the config, and
# no session: it is not on the interface.
vpnd_cmd peer list --json | python3 -c '
import json, sys
want_key, want_addr = sys.argv[1], sys.argv[2].split("/")[0]
p = [p for p in json.load(sys.stdin) if p["name"] == "alice-phone"]
assert len(p) == 1, p
p = p[0]
assert p["kind"] == "mobile" and p["owner"] == "alice", p
assert p["session"] is None and p["public-key"] == want_key and p["address"] == want_addr, p
' "$PHONE_PUB" "$PHONE_ADDR" || fail "peer list --json: $(vpnd_cmd peer list --json)"
vpnd_cmd peer list | grep -q "^alice-phone  *alice  *mobile  *${PHONE_ADDR%/*}  *enabled  *-" ||
	fail "peer list: $(vpnd_cmd peer list)"
vpnd_cmd peer show alice-phone | grep -q '^psk: *static$' ||
	fail "peer show: the pre-shared key is not kept: $(vpnd_cmd peer show alice-phone)"

phone_closed "before activation"
phone_status | grep -q "^alice-phone is not active: never activated" ||
	fail "enroll status before activation said: $(phone_status)"

# Bob's key is not alice's: refused in one line, nothing opens.
WANT="not registered for the peer's owner" refused in_ns laptop "$ENROLL" activate alice-phone \
	--device "unix:$NET_TMP/bob.sock" --pin-fd 3 --config-dir "$WGDIR" --interface bobif \
	3<<<"$PIN"
# Alice's policy asks for the PIN: a wrong one opens nothing either.
WANT="wrong PIN" refused enroll_as alice 1234 -- activate alice-phone
phone_closed "after refused activations"

activate_phone || fail "activating the phone failed"
phone_open "after activation"
vpnd_cmd peer list | grep -q "^alice-phone  *alice  *mobile  *${PHONE_ADDR%/*}  *enabled  *active" ||
	fail "peer list does not show the session: $(vpnd_cmd peer list)"
vpnd_cmd session list --json | python3 -c '
import json, sys
by = sys.argv[1]
s = [s for s in json.load(sys.stdin) if s["name"] == "alice-phone"]
assert len(s) == 1, s
s = s[0]
# A phone has no idle timeout of its own kind (a phone in a pocket is
# silent for hours): its window (10h) ends it.
assert s["owner"] == "alice" and s["ends-by"] == "window" and 35900 < s["left"] <= 36000, s
assert s["by"].startswith("key:") if by == "enroll" else s["by"] == "admin", s
' "${PHONE_ACTIVATION:-enroll}" || fail "session list --json: $(vpnd_cmd session list --json)"
vpnd_cmd session list | grep -qw alice-phone || fail "session list: $(vpnd_cmd session list)"
phone_status | grep -q "^alice-phone is active until" ||
	fail "enroll status --peer said: $(phone_status)"
# Only its owner's devices may ask.
WANT="needs the enrolled device" refused in_ns laptop "$ENROLL" status bobif --peer alice-phone \
	--config-dir "$WGDIR"
# Activating again inside the window extends it and keeps the static key.
activate_phone || fail "activating the phone again failed"
phone_open "after activating again"

must vpnd_cmd session kill alice-phone
phone_closed "after session kill"
[ "$(end_reason alice-phone)" = killed ] || fail "the kill was audited as '$(end_reason alice-phone)'"

# Idle timeout, as for a laptop: the phone is idle after its ping (no
# keepalive in its config), and the session ends.
must vpnd_cmd owner set alice --idle 4s
activate_phone || fail "activating the phone for the idle test failed"
phone_open "before the idle timeout"
wait_for 20 session_gone alice-phone || fail "the idle timeout did not end the session"
[ "$(end_reason alice-phone)" = idle ] || fail "idle: the end was '$(end_reason alice-phone)'"
phone_closed "after the idle timeout"
phone_status | grep -q "^alice-phone is not active: the session ended after being idle" ||
	fail "enroll status after the idle timeout said: $(phone_status)"

# The window, as for a laptop: it ends the session while the phone is busy.
must vpnd_cmd owner set alice --idle 30m --window 6s
activate_phone || fail "activating the phone for the window test failed"
phone_open "inside the window"
# Not through in_ns, so that $! is ping itself (ip netns exec execs it).
ip netns exec "$(ns_name phone)" ping -n -q -i 0.5 10.77.0.1 >/dev/null 2>&1 &
pinger=$!
on_cleanup "kill $pinger"
wait_for 20 session_gone alice-phone || fail "the window did not end the session"
kill "$pinger"
[ "$(end_reason alice-phone)" = expired ] || fail "window: the end was '$(end_reason alice-phone)'"
phone_closed "after the window"
phone_status | grep -q "^alice-phone is not active: .*window" ||
	fail "enroll status after the window said: $(phone_status)"
must vpnd_cmd owner set alice --window 10h

# The admin path, with a second phone from an SVG.
must "$CLIENTCFG" -c "$CONF" alice-tablet --owner alice -o "$NET_TMP/tablet.svg" >/dev/null
[ "$(stat -c %a "$NET_TMP/tablet.svg")" = 600 ] || fail "the SVG is not mode 0600"
phone_decode "$NET_TMP/tablet.svg" "$NET_TMP/tablet.conf"
phone_import "$NET_TMP/tablet.conf"
phone_closed "the tablet, before a session"
must vpnd_cmd session open alice-tablet >/dev/null
phone_open "the tablet, after session open"
must vpnd_cmd session kill alice-tablet
phone_closed "the tablet, after session kill"
pass "a phone from clientcfg's QR code: off; other owner, wrong PIN refused; on by enroll activate with its own PSK; idle, window, kill end it; admin path"

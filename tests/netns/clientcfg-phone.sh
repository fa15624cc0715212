#!/bin/bash
# SPDX-License-Identifier: ISC
# A phone end to end: clientcfg registers it with the running vpnd and
# writes a PNG; a "phone" namespace runs wireguard-go configured from what
# zbarimg reads off that PNG. The phone is listed as a mobile peer of its
# owner and stays off the gateway's interface (no traffic) until a session
# opens; then it is on the interface with the config's pre-shared key and
# reaches the gateway's tunnel address (ping, TCP); after the session is
# killed it does not.
#
# How the session opens is activate_phone below: the admin path today.
# `enroll activate PHONE` (the owner's security key, from a laptop) slots
# in there once it exists, with the same checks before and after.
. "$(dirname "$0")/vpnd-lib.sh"
CLIENTCFG=${CLIENTCFG:-$BUILD/clientcfg/clientcfg}
MAIL_PORT=143
vpnd_setup
# The phone reaches the gateway's endpoint (192.0.2.1) over its own link.
ns_add phone
veth_pair gw 198.51.100.1/24 phone 198.51.100.2/24
in_ns phone ip route add 192.0.2.0/24 via 198.51.100.1
PIF=$(wg_ifname phone)
wggo_start phone "$PIF"
vpnd_start
# A stand-in for the mail server, on the tunnel address only.
bg_ns gw mail nc -l -k 10.77.0.1 "$MAIL_PORT" >/dev/null
must vpnd_cmd owner add alice

must "$CLIENTCFG" -c "$CONF" alice-phone --owner alice -o "$NET_TMP/phone.png" >/dev/null
[ "$(stat -c %a "$NET_TMP/phone.png")" = 600 ] || fail "the PNG is not mode 0600"
zbarimg -q --nodbus --raw -Sbinary "$NET_TMP/phone.png" >"$NET_TMP/phone.conf" ||
	fail "zbarimg cannot read the PNG"
# zbarimg adds a newline of its own.
truncate -s -1 "$NET_TMP/phone.conf"
chmod 600 "$NET_TMP/phone.conf"
conf_value() { sed -n "s/^$1 = //p" "$NET_TMP/phone.conf"; }
PHONE_PUB=$(conf_value PrivateKey | wg pubkey) || fail "no PrivateKey in the decoded config"
PHONE_PSK=$(conf_value PresharedKey)
PHONE_ADDR=$(conf_value Address)
[ -n "$PHONE_PSK" ] || fail "no PresharedKey in the decoded config"
[ "$(conf_value PublicKey)" = "$GW_PUB" ] || fail "the config has not the gateway's key"
[ "$(conf_value Endpoint)" = 192.0.2.1:51820 ] || fail "endpoint: $(conf_value Endpoint)"
[ "$(conf_value AllowedIPs)" = 10.77.0.0/24 ] || fail "AllowedIPs: $(conf_value AllowedIPs)"
case $PHONE_ADDR in 10.77.0.*/32) ;; *) fail "Address: $PHONE_ADDR" ;; esac

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

# The phone as the WireGuard app would set it up from the config.
wg-quick strip "$NET_TMP/phone.conf" >"$NET_TMP/phone.stripped" || fail "wg-quick strip"
in_ns phone wg setconf "$PIF" "$NET_TMP/phone.stripped" || fail "wg setconf"
in_ns phone ip addr add "$PHONE_ADDR" dev "$PIF"
in_ns phone ip link set "$PIF" up
in_ns phone ip route add 10.77.0.0/24 dev "$PIF"

phone_on_gw() { gw_peers | grep -qxF "$PHONE_PUB"; }
# The phone forgets earlier failed handshakes (FACTS.md: up to 5 s
# otherwise): setconf replaces its peer, as re-importing the config would.
phone_reaches_gw() {
	in_ns phone wg setconf "$PIF" "$NET_TMP/phone.stripped"
	wait_for "${1:-5}" can_ping phone 10.77.0.1
}

# The session opens here. Extend with the security key path:
#   PHONE_ACTIVATION=enroll -> enroll activate alice-phone from the laptop.
activate_phone() {
	case ${PHONE_ACTIVATION:-admin} in
	admin) vpnd_cmd session open alice-phone >/dev/null ;;
	*) fail "unknown PHONE_ACTIVATION '$PHONE_ACTIVATION'" ;;
	esac
}

phone_on_gw && fail "the phone is on the interface before any session"
can_ping phone 10.77.0.1 && fail "ping passes before a session"
tcp_open phone 10.77.0.1 "$MAIL_PORT" && fail "TCP passes before a session"

activate_phone || fail "activating the phone failed"
phone_on_gw || fail "after activation: wg show does not list the phone"
[ "$(in_ns gw wg show "$GWIF" preshared-keys | awk -v k="$PHONE_PUB" '$1 == k { print $2 }')" = \
	"$PHONE_PSK" ] || fail "after activation: the phone's pre-shared key on the gateway is not the config's"
phone_reaches_gw 5 || fail "after activation: no ping through the tunnel"
tcp_open phone 10.77.0.1 "$MAIL_PORT" || fail "after activation: no TCP connection"
vpnd_cmd peer list | grep -q "^alice-phone  *alice  *mobile  *${PHONE_ADDR%/*}  *enabled  *active" ||
	fail "peer list does not show the session: $(vpnd_cmd peer list)"

must vpnd_cmd session kill alice-phone
phone_on_gw && fail "after session kill: the phone is still on the interface"
can_ping phone 10.77.0.1 && fail "after session kill: ping still passes"
tcp_open phone 10.77.0.1 "$MAIL_PORT" && fail "after session kill: TCP still passes"
pass "a phone from clientcfg's QR code: off, on with its PSK, off again"

#!/bin/bash
# SPDX-License-Identifier: ISC
# The config text clientcfg writes for a peer it registers with a running
# vpnd goes through the real wireguard-tools unchanged: `wg-quick strip`
# keeps every line that wg(8) takes and drops only what wg-quick itself
# handles (Address, DNS, MTU); `wg setconf` on a wireguard-go interface
# takes the rest, and `wg showconf` gives back the same keys, endpoint,
# allowed IPs and keepalive. The gateway is dual-stack: each phone gets an
# address of each family. Shapes: every option, an IPv6 address given
# (its IPv4 partner chosen), a full tunnel, an IPv6 endpoint.
. "$(dirname "$0")/vpnd-lib.sh"
CLIENTCFG=${CLIENTCFG:-$BUILD/clientcfg/clientcfg}
vpnd_setup
# A dual-stack tunnel: the phone gets an address from each network.
sed -i -e 's|^Address = 10.77.0.1/24$|Address = 10.77.0.1/24, fd77::1/64|' "$CONF"
grep -q '^Address = 10.77.0.1/24, fd77::1/64$' "$CONF" || fail "could not make $CONF dual-stack"
vpnd_start
must vpnd_cmd owner add alice
ns_add phone
ifname=$(wg_ifname phone)
wggo_start phone "$ifname"

# The wg-relevant lines, sorted, without ListenPort (wg shows the random one).
wg_lines() { grep -E '^[A-Za-z]+ = ' | grep -v '^ListenPort = ' | sort; }

check() { # shape expected-line clientcfg-args...
	local shape=$1 line=$2 conf stripped want got
	conf="$NET_TMP/$shape.conf"
	shift 2
	"$CLIENTCFG" "$@" --owner alice --format conf -o "$conf" 2>"$NET_TMP/err" ||
		fail "$shape: clientcfg $*: $(cat "$NET_TMP/err")"
	grep -qxF -- "$line" "$conf" || fail "$shape: no line '$line' in: $(grep -v Key "$conf")"
	stripped=$(wg-quick strip "$conf") || fail "$shape: wg-quick strip refused the config"
	want=$(grep -v -E '^(Address|DNS|MTU) = ' "$conf")
	[ "$(printf '%s\n' "$stripped" | sed -e '/^$/d')" = "$(printf '%s\n' "$want" | sed -e '/^$/d')" ] ||
		fail "$shape: wg-quick strip changed more than Address/DNS/MTU: $(diff <(echo "$want") <(echo "$stripped"))"
	printf '%s\n' "$stripped" >"$NET_TMP/stripped.conf"
	in_ns phone wg setconf "$ifname" "$NET_TMP/stripped.conf" ||
		fail "$shape: wg setconf refused the stripped config"
	got=$(in_ns phone wg showconf "$ifname" | wg_lines)
	want=$(printf '%s\n' "$stripped" | wg_lines)
	[ "$got" = "$want" ] || fail "$shape: wg showconf differs: $(diff <(echo "$want") <(echo "$got"))"
	log "$shape: ok"
}

check v4 'AllowedIPs = 10.77.0.0/24, fd77::/64' \
	phone-v4 -c "$CONF" --dns 10.77.0.1,example.org --keepalive 25 --mtu 1380
check dual 'Address = 10.77.0.5/32, fd77::5/128' phone-dual -c "$CONF" --address fd77::5
check full 'AllowedIPs = 0.0.0.0/0, ::/0' phone-full -c "$CONF" --full-tunnel
# An IPv6 endpoint in vpnd.conf comes out in brackets, as wg(8) wants it.
sed -e 's|^Endpoint = .*|Endpoint = [2001:db8::1]:51820|' "$CONF" >"$NET_TMP/etc/v6.conf"
check v6-endpoint 'Endpoint = [2001:db8::1]:51820' phone-v6ep -c "$NET_TMP/etc/v6.conf"
# What vpnd.conf says is what the phone gets: the gateway's key and endpoint.
grep -qxF "PublicKey = $GW_PUB" "$NET_TMP/v4.conf" || fail "the config lacks the gateway's key"
grep -qxF "Endpoint = 192.0.2.1:51820" "$NET_TMP/v4.conf" || fail "the config lacks the endpoint"
grep -qxF "Address = 10.77.0.2/32, fd77::2/128" "$NET_TMP/v4.conf" ||
	fail "the phone lacks an address of each network: $(grep Address "$NET_TMP/v4.conf")"
pass "wg-quick strip and wg setconf take clientcfg's config unchanged"

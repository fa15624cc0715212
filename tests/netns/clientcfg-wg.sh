#!/bin/bash
# SPDX-License-Identifier: ISC
# clientcfg's config text goes through the real wireguard-tools unchanged:
# `wg-quick strip` keeps every line that wg(8) takes and drops only what
# wg-quick itself handles (Address, DNS, MTU); `wg setconf` on a
# wireguard-go interface takes the rest, and `wg showconf` gives back the
# same keys, endpoint, allowed IPs and keepalive.
#
# GEN, when set, is a command that prints a config (the end-to-end test
# passes clientcfg itself); by default clientcfg's renderer run on a sample.
. "$(dirname "$0")/lib.sh"
net_init
ns_add phone
ifname=$(wg_ifname phone)
wggo_start phone "$ifname"

# The wg-relevant lines, sorted, without ListenPort (wg shows the random one).
wg_lines() { grep -E '^[A-Za-z]+ = ' | grep -v '^ListenPort = ' | sort; }

check() { # shape
	local shape=$1 conf="$NET_TMP/$ifname.conf" stripped want got
	if [ -n "${GEN:-}" ]; then
		$GEN >"$conf" || fail "$shape: GEN failed"
	else
		"$BUILD/tests/clientcfg/clientcfg-sample" conf "$shape" >"$conf" ||
			fail "$shape: clientcfg-sample failed"
	fi
	chmod 600 "$conf"
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

if [ -n "${GEN:-}" ]; then
	check clientcfg
else
	for shape in v4 dual full; do
		check "$shape"
	done
fi
pass "wg-quick strip and wg setconf take the config unchanged"

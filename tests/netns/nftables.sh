#!/bin/bash
# SPDX-License-Identifier: ISC
# The admin guide's second wall (contrib/nftables/keygate.nft): with dovecot
# wrongly listening on every address, the rules still keep the mail ports
# closed to everything but the tunnel interface. A veth stands for wg0.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
net_init
command -v nft >/dev/null || fail "nft not installed (package nftables)"
ns_add gw
ns_add peer
ns_add internet
veth_pair gw 10.77.0.1/24 peer 10.77.0.2/24
veth_pair gw 192.0.2.1/24 internet 192.0.2.2/24
tun_if=$(in_ns gw ip -o -4 addr show to 10.77.0.1/32 | awk '{print $2}')

dovecot_start gw mail '*, ::'
mail_deliver mail "wall $RUN_ID"
mail_client internet mail imap 192.0.2.1 >/dev/null ||
	fail "without the rules the internet should reach the misconfigured dovecot"

sed "s/^define KG_TUNNEL_IF = .*/define KG_TUNNEL_IF = \"$tun_if\"/" \
	"$SRC/contrib/nftables/keygate.nft" >"$NET_TMP/keygate.nft"
must in_ns gw nft -f "$NET_TMP/keygate.nft" >/dev/null
# Loading it twice replaces the table rather than doubling the rules.
must in_ns gw nft -f "$NET_TMP/keygate.nft" >/dev/null
[ "$(in_ns gw nft list table inet keygate | grep -c drop)" -eq 1 ] ||
	fail "reloading the rules doubled them"

mail_none_reachable internet mail 192.0.2.1
mail_all_ok peer mail 10.77.0.1 "wall $RUN_ID"
# Not `nft | grep -q`: with pipefail, grep's early exit fails the pipe.
rules=$(in_ns gw nft list table inet keygate)
grep -q 'counter packets [1-9]' <<<"$rules" || fail "the drop rule counted nothing: $rules"
pass "nftables keeps the mail ports to the tunnel interface"

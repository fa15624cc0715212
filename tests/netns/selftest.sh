#!/bin/bash
# SPDX-License-Identifier: ISC
# The helpers themselves: two hosts, a link, wireguard-go, cleanup.
. "$(dirname "$0")/lib.sh"
net_init
ns_add a
ns_add b
veth_pair a 192.0.2.1/24 b 192.0.2.2/24
can_ping a 192.0.2.2 || fail "no ping over the veth link"
wggo_start a "$(wg_ifname a)"
in_ns a wg show "$(wg_ifname a)" >/dev/null || fail "wg cannot read the wireguard-go interface"
pass "namespaces, veth, wireguard-go"

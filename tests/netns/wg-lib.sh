#!/bin/bash
# SPDX-License-Identifier: ISC
#
# The WireGuard control library (lib/wg/wgipc.h) against wireguard-go: two hosts,
# each interface configured only through kg-wgtool. At every step the real
# `wg show IF dump` must agree with what the library reads. Then the errors
# a user meets: a missing interface, a dead, a silent and a babbling UAPI
# socket each give one line, a non-zero exit and no hang.
. "$(dirname "$0")/lib.sh"
net_init

T=$BUILD/tests/tools/kg-wgtool
[ -x "$T" ] || fail "no $T: build first"
umask 077

ns_add a
ns_add b
veth_pair a 192.0.2.1/24 b 192.0.2.2/24
IFA=$(wg_ifname a)
IFB=$(wg_ifname b)
wggo_start a "$IFA"
wggo_start b "$IFB"

# Both reads race the counters of a live tunnel: allow a few tries.
agree() { # host ifname step
	local i
	for i in 1 2 3 4 5; do
		if diff <(in_ns "$1" wg show "$2" dump) <(in_ns "$1" "$T" show "$2") \
			>"$NET_TMP/diff" 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	cat "$NET_TMP/diff" >&2
	fail "$3: wg show $2 dump and kg-wgtool show $2 differ"
}

for h in a b; do
	wg genkey >"$NET_TMP/$h.key"
done
PUBA=$(wg pubkey <"$NET_TMP/a.key")
PUBB=$(wg pubkey <"$NET_TMP/b.key")
wg genpsk >"$NET_TMP/psk"

[ "$(in_ns a "$T" backend "$IFA")" = userspace ] || fail "$IFA is not seen as userspace"

must in_ns a "$T" set "$IFA" "$NET_TMP/a.key" 51820
must in_ns b "$T" set "$IFB" "$NET_TMP/b.key" 51820
[ "$(in_ns a wg show "$IFA" public-key)" = "$PUBA" ] || fail "private key of $IFA not set"
[ "$(in_ns b wg show "$IFB" listen-port)" = 51820 ] || fail "listen port of $IFB not set"
agree a "$IFA" "after set"
agree b "$IFB" "after set"

in_ns a ip addr add 10.77.0.1/24 dev "$IFA"
in_ns b ip addr add 10.77.0.2/24 dev "$IFB"
in_ns a ip link set "$IFA" up
in_ns b ip link set "$IFB" up
can_ping a 10.77.0.2 && fail "ping through the tunnel before any peer exists"

must in_ns a "$T" add-peer "$IFA" "$PUBB" 10.77.0.2/32,fd77::2/128 \
	--endpoint 192.0.2.2:51820 --psk "$NET_TMP/psk"
must in_ns b "$T" add-peer "$IFB" "$PUBA" 10.77.0.1/32 \
	--endpoint 192.0.2.1:51820 --psk "$NET_TMP/psk" --keepalive 25
agree a "$IFA" "after add-peer"
agree b "$IFB" "after add-peer"

ok=0
for _ in 1 2 3 4 5; do
	if can_ping a 10.77.0.2; then
		ok=1
		break
	fi
done
[ "$ok" = 1 ] || fail "no ping through the tunnel after adding the peer on both sides"
agree a "$IFA" "after ping"
agree b "$IFB" "after ping"
hs=$(in_ns a "$T" show "$IFA" | awk -F'\t' 'NR == 2 { print $5 }')
[ "${hs:-0}" -gt 0 ] || fail "the library reads no handshake time after a ping"

# The same peer again: an update, not a second peer; allowed IPs replaced.
must in_ns a "$T" add-peer "$IFA" "$PUBB" 10.77.0.2/32 --endpoint 192.0.2.2:51820 \
	--psk "$NET_TMP/psk"
[ "$(in_ns a wg show "$IFA" allowed-ips)" = "$PUBB	10.77.0.2/32" ] ||
	fail "add-peer did not replace the allowed IPs"
agree a "$IFA" "after update"

must in_ns a "$T" remove-peer "$IFA" "$PUBB"
agree a "$IFA" "after remove-peer"
[ "$(in_ns a "$T" show "$IFA" | wc -l)" = 1 ] || fail "peer still read back after remove-peer"
can_ping a 10.77.0.2 && fail "ping through the tunnel after removing the peer"
can_ping b 10.77.0.1 && fail "ping from the other side after removing the peer"
must in_ns a "$T" remove-peer "$IFA" "$PUBB" # not there: still success
agree b "$IFB" "after the other side removed its peer"

# Errors: one line, exit 1, and bounded in time.
expect_error() { # pattern command...
	local pattern=$1 start end err rc
	shift
	start=$(date +%s)
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	end=$(date +%s)
	[ "$rc" = 1 ] || fail "exit $rc, not 1, from: $* ($err)"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "not one line from $*: $err"
	grep -q -- "$pattern" <<<"$err" || fail "'$err' does not say '$pattern' ($*)"
	[ $((end - start)) -le 8 ] || fail "took $((end - start)) s: $*"
	log "ok: $err"
}

MISSING=kg${RUN_ID}nx
expect_error "$MISSING" "$T" show "$MISSING"
expect_error "$MISSING: no such WireGuard interface" "$T" --backend userspace show "$MISSING"
expect_error "$MISSING: no such WireGuard interface" \
	"$T" --backend userspace remove-peer "$MISSING" "$PUBB"

# A socket file nobody listens on: what a crashed wireguard-go leaves.
DEAD=kg${RUN_ID}dead
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
	"/var/run/wireguard/$DEAD.sock" || fail "cannot make a dead socket"
[ "$("$T" backend "$DEAD")" = userspace ] || fail "a socket file should mean userspace"
expect_error "$DEAD: UAPI socket .* refuses connections" "$T" show "$DEAD"
expect_error "$DEAD: UAPI socket .* refuses connections" "$T" remove-peer "$DEAD" "$PUBB"

# A listener that accepts and never answers, one that answers nonsense,
# and one that hangs up at once. Each is bound under another name and
# renamed once it listens: a socket file found before listen() refuses
# connections, which is another test's error.
listener() { # name reply(python bytes literal, or None for silence)
	bg_ns a "listen-$1" python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1] + ".new")
s.listen(16)
os.rename(sys.argv[1] + ".new", sys.argv[1])
reply = eval(sys.argv[2])
held = []
while True:
    c, _ = s.accept()
    held.append(c)
    if reply is not None:
        c.recv(65536)
        c.sendall(reply)
        c.close()
' "/var/run/wireguard/$1.sock" "$2" >/dev/null
	wait_for 5 test -S "/var/run/wireguard/$1.sock" || fail "listener $1 did not start"
}
SILENT=kg${RUN_ID}quiet
listener "$SILENT" None
expect_error "$SILENT: UAPI socket .* did not answer within" "$T" show "$SILENT"
expect_error "$SILENT: UAPI socket .* did not answer within" \
	"$T" add-peer "$SILENT" "$PUBB" 10.77.0.9/32
BAD=kg${RUN_ID}bad
listener "$BAD" "b'listen_port=12\\npublic_key=zz\\nerrno=0\\n\\n'"
expect_error "$BAD: malformed UAPI reply at line 2" "$T" show "$BAD"
CUT=kg${RUN_ID}cut
listener "$CUT" "b'listen_port=12\\n'"
expect_error "$CUT: truncated UAPI reply" "$T" show "$CUT"
NOPE=kg${RUN_ID}nope
listener "$NOPE" "b'errno=-1\\n\\n'"
expect_error "$NOPE: the userspace WireGuard refused: errno=1" \
	"$T" remove-peer "$NOPE" "$PUBB"

pass "library and wg agree at every step; peer add/remove opens/closes the tunnel; errors are one line"

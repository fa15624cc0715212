#!/bin/bash
# SPDX-License-Identifier: ISC
# vpnd's nftables table (monitor/firewall.h) against the kernel, driven by
# kg-fwtool, which exits after each step: whatever holds afterwards holds
# with no userspace at all. A veth stands for the tunnel (it carries the
# same IP packets; static neighbours stand in for WireGuard's lack of ND).
#   peer --(tunnel-like veth)-- gw --(veth)-- behind (a mail server behind it)
#                                |
#                            neighbour (routes the tunnel networks to gw)
# Checked: the wall (mail ports only from the tunnel and loopback, on input
# and forward); a 3 s window closes within 1 s of its end, IPv4 and IPv6;
# an idle timeout of 3 s stays open under traffic and closes after 3 s of
# silence; session_del and reconcile act at once; check names a deleted
# table, a deleted rule, a changed priority, an added chain.
. "$(dirname "$0")/lib.sh"
net_init
T=$BUILD/tests/tools/kg-fwtool
[ -x "$T" ] || fail "no $T: build first"
for c in nft socat /usr/bin/python3; do
	command -v "$c" >/dev/null || fail "$c not installed"
done

ns_add gw
ns_add peer
ns_add nb
ns_add behind
veth_pair gw 10.77.0.1/24 peer 10.77.0.2/24
veth_pair gw 192.0.2.1/24 nb 192.0.2.2/24
veth_pair gw 10.88.0.1/24 behind 10.88.0.2/24
TUN=$(in_ns gw ip -o -4 addr show to 10.77.0.1/32 | awk '{print $2}')
PTUN=$(in_ns peer ip -o -4 addr show to 10.77.0.2/32 | awk '{print $2}')
NBIF=$(in_ns nb ip -o -4 addr show to 192.0.2.2/32 | awk '{print $2}')
GWNB=$(in_ns gw ip -o -4 addr show to 192.0.2.1/32 | awk '{print $2}')
in_ns gw ip addr add fd77::1/64 dev "$TUN" nodad
in_ns peer ip addr add fd77::2/64 dev "$PTUN" nodad
in_ns gw ip addr add 2001:db8::1/64 dev "$GWNB" nodad
in_ns nb ip addr add 2001:db8::2/64 dev "$NBIF" nodad
# WireGuard has no neighbour discovery; the veth must not need any either
# (the table drops the peer's link-local packets as it should).
mac() { in_ns "$1" cat "/sys/class/net/$2/address"; }
in_ns gw ip -6 neigh replace fd77::2 lladdr "$(mac peer "$PTUN")" dev "$TUN" nud permanent
in_ns peer ip -6 neigh replace fd77::1 lladdr "$(mac gw "$TUN")" dev "$PTUN" nud permanent
in_ns peer ip route add default via 10.77.0.1
in_ns peer ip -6 route add default via fd77::1
in_ns behind ip route add default via 10.88.0.1
in_ns nb ip route add 10.77.0.0/24 via 192.0.2.1
in_ns nb ip route add 10.88.0.0/24 via 192.0.2.1
in_ns nb ip -6 route add fd77::/64 via 2001:db8::1
in_ns gw sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# A "mail server" on the gateway (993, and 8080 for what is not mail) and
# one behind it: every connection is accepted and closed.
for port in 993 8080; do
	bg_ns gw "srv$port" socat "TCP6-LISTEN:$port,ipv6only=0,reuseaddr,fork" EXEC:/bin/true >/dev/null
done
bg_ns behind srv993b socat TCP-LISTEN:993,reuseaddr,fork EXEC:/bin/true >/dev/null

cat >"$NET_TMP/probe.py" <<'EOF'
# probe.py once ADDR PORT: a TCP connection within 0.5 s?
# probe.py watch ADDR PORT: connects every 50 ms until one fails; prints
# the time of the last success and of the failed attempt's start.
import socket, sys, time

def connect(addr, port, timeout):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        return True
    except OSError:
        return False
    finally:
        s.close()

mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "once":
    sys.exit(0 if connect(addr, port, 0.5) else 1)
last_ok, start = 0.0, time.time()
while time.time() - start < 30:
    t = time.time()
    if not connect(addr, port, 0.25):
        print("%.3f %.3f" % (last_ok, t))
        sys.exit(0)
    last_ok = time.time()
    time.sleep(0.05)
sys.exit(1)
EOF
# open HOST ADDR PORT
open_() { in_ns "$1" /usr/bin/python3 "$NET_TMP/probe.py" once "$2" "$3"; }
must_open() { open_ "$@" || fail "$1 cannot reach $2 port $3: $4"; }
must_shut() { ! open_ "$@" || fail "$1 reaches $2 port $3: $4"; }
fw() { in_ns gw "$T" "$TUN" "$@"; }
alive() { fw alive "$1" 2>/dev/null; }
# le A B: is A <= B (decimals)?
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
now() { printf '%s' "$EPOCHREALTIME"; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
rel() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

log "without the table everything is open"
must_open nb 192.0.2.1 993 "before the table"
must_open nb 10.88.0.2 993 "before the table (forwarded)"
must_open peer 10.77.0.1 993 "before the table"

log "install: the table stays when the tool exits; check finds it whole"
must fw install
in_ns gw nft list table inet keygate >"$NET_TMP/table" || fail "no table after kg-fwtool exited"
must fw check
grep -q 'priority raw - 10' "$NET_TMP/table" || fail "the chains are not at priority raw - 10"

log "the wall: mail ports from the tunnel and loopback only"
must_shut nb 192.0.2.1 993 "a mail port from a neighbour"
must_shut nb 10.77.0.1 993 "a mail port at the tunnel address, routed by a neighbour"
must_shut nb 2001:db8::1 993 "a mail port over IPv6 from a neighbour"
must_shut nb fd77::1 993 "a mail port at the tunnel's IPv6 address, routed by a neighbour"
must_shut nb 10.88.0.2 993 "a mail server behind the gateway (forward)"
must_open nb 192.0.2.1 8080 "what is not mail stays open"
must_open gw 127.0.0.1 993 "loopback"
must_open gw ::1 993 "loopback over IPv6"
must_shut peer 10.77.0.1 993 "the tunnel without a session"
must_shut peer 10.77.0.1 8080 "anything from the tunnel without a session"

log "a 3 s window, idle off: open at once, refused within 1 s of its end"
t0=$(now)
must fw add 10.77.0.2,fd77::2 3s off
t1=$(now)
must_open peer 10.77.0.1 993 "inside the window"
must_open peer fd77::1 993 "inside the window (IPv6)"
must_open peer 10.88.0.2 993 "inside the window (forwarded)"
# Both families at once, each watched every 50 ms until refused.
in_ns peer /usr/bin/python3 "$NET_TMP/probe.py" watch 10.77.0.1 993 >"$NET_TMP/w4" &
p4=$!
in_ns peer /usr/bin/python3 "$NET_TMP/probe.py" watch fd77::1 993 >"$NET_TMP/w6" &
p6=$!
wait "$p4" || fail "the IPv4 window never closed"
wait "$p6" || fail "the IPv6 window never closed"
for f in w4 w6; do
	read -r ok shut <"$NET_TMP/$f"
	log "$f: last open at $(rel "$ok" "$t0") s, refused from $(rel "$shut" "$t0") s after the add"
	le "$(add "$t0" 2.5)" "$ok" || fail "$f: closed before the window's end"
	le "$(add "$t0" 2.9)" "$shut" || fail "$f: refused before the window's end"
	le "$shut" "$(add "$t1" 4.0)" || fail "$f: still open 1 s after the window's end"
done
must_shut peer 10.88.0.2 993 "after the window (forwarded)"
[ "$(in_ns gw nft list set inet keygate window4_off | grep -c 10.77.0.2)" = 0 ] ||
	fail "the window element outlived its timeout"

log "idle 3 s: traffic every second keeps it open, 3 s of silence closes it"
must fw add 10.77.0.2,fd77::2 60s 3s
t0=$(now)
for i in 1 2 3 4 5 6; do
	must_open peer 10.77.0.1 993 "traffic every second, second $i"
	must_open peer fd77::1 993 "traffic every second, second $i (IPv6)"
	sleep 1
done
le "$(add "$t0" 5.5)" "$(now)" || fail "the traffic loop was too short to prove anything"
[ "$(alive 10.77.0.2)" = 1 ] || fail "idle element gone while traffic flowed"
[ "$(alive fd77::2)" = 1 ] || fail "idle element (IPv6) gone while traffic flowed"
# The last packet went with the last probe's close, a second ago; silence
# since. Measured from the last probe, so the close may look up to 1 s
# early.
last=$(add "$(now)" -1)
gone=""
while le "$(now)" "$(add "$last" 6)"; do
	if [ "$(alive 10.77.0.2)" = 0 ]; then
		gone=$(now)
		break
	fi
	sleep 0.1
done
[ -n "$gone" ] || fail "the idle element never went"
log "idle element gone $(rel "$gone" "$last") s after the last traffic"
le "$(add "$last" 2.8)" "$gone" || fail "idle closed before 3 s of silence"
le "$gone" "$(add "$last" 4.1)" || fail "idle still open 4 s into the silence"
# The IPv6 probe of each second came after the IPv4 one, so its element
# may outlive the IPv4 one by that probe's time: the same bound applies.
while [ "$(alive fd77::2)" != 0 ] && le "$(now)" "$(add "$last" 4.1)"; do
	sleep 0.1
done
[ "$(alive fd77::2)" = 0 ] || fail "the IPv6 idle element outlived the silence"
must_shut peer 10.77.0.1 993 "after 3 s of silence"
must_shut peer fd77::1 993 "after 3 s of silence (IPv6)"
# The refused probes are traffic too: they must not bring it back.
[ "$(alive 10.77.0.2)" = 0 ] || fail "a refused packet brought the idle element back"

log "a window's end closes it even while idle traffic keeps the idle element"
must fw add 10.77.0.2 2s 30s
must_open peer 10.77.0.1 993 "a 2 s window with idle 30 s"
sleep 3
must_shut peer 10.77.0.1 993 "the window is over, the idle timeout not"
[ "$(alive 10.77.0.2)" = 1 ] || fail "the idle element should still be there"

log "session_del and reconcile act at once"
must fw add 10.77.0.2,fd77::2 60s off
must_open peer 10.77.0.1 993 "a new session"
must fw del 10.77.0.2,fd77::2
must_shut peer 10.77.0.1 993 "right after session_del"
must_shut peer fd77::1 993 "right after session_del (IPv6)"
must fw del 10.77.0.2
printf '10.77.0.2,fd77::2 60s 30s\n10.77.0.9 60s off\n' >"$NET_TMP/list1"
printf '10.77.0.9 60s off\n' >"$NET_TMP/list2"
must fw reconcile "$NET_TMP/list1"
must_open peer 10.77.0.1 993 "right after a reconcile that lists it"
must_open peer fd77::1 993 "right after a reconcile that lists it (IPv6)"
must fw reconcile "$NET_TMP/list2"
must_shut peer 10.77.0.1 993 "right after a reconcile that leaves it out"
must_shut peer fd77::1 993 "right after a reconcile that leaves it out (IPv6)"
# The idle values no session has any more go with their sets and rules.
sets=$(in_ns gw nft list table inet keygate | grep -o 'set window[46]_[a-z0-9]*' | sort | tr '\n' ' ')
[ "$sets" = "set window4_off set window6_off " ] || fail "reconcile left idle classes: $sets"
must fw check
# --keep-idle: an idle timeout that ran out while nobody watched stays out.
must fw add 10.77.0.2 60s 1s
sleep 2
[ "$(alive 10.77.0.2)" = 0 ] || fail "1 s idle element still there after 2 s"
printf '10.77.0.2 60s 1s\n' >"$NET_TMP/list3"
must fw reconcile --keep-idle "$NET_TMP/list3"
must_shut peer 10.77.0.1 993 "reconcile --keep-idle revived an idled-out session"
printf '10.77.0.2 60s 30s\n' >"$NET_TMP/list4"
must fw reconcile "$NET_TMP/list4"
must_open peer 10.77.0.1 993 "reconcile without --keep-idle sets the idle element afresh"
must fw check

log "check names what was changed behind its back"
# tamper WANT CMD...: after CMD, check must fail and print WANT; then
# install puts the table right again.
tamper() {
	local want=$1 out
	shift
	"$@" || fail "cannot tamper: $*"
	out=$(fw check 2>&1) && fail "check passed after: $*"
	grep -qF -- "$want" <<<"$out" || fail "check after '$*' said: $out; want: $want"
	must fw install
	must fw check
}
h=$(in_ns gw nft -a list chain inet keygate input | awk '/iif "lo"/ { print $NF }')
tamper "chain input: rule 'iif \"lo\" accept' is missing" \
	in_ns gw nft delete rule inet keygate input handle "$h"
{
	echo "delete table inet keygate"
	in_ns gw nft list table inet keygate | sed 's/priority raw - 10/priority filter/'
} >"$NET_TMP/moved.nft"
tamper "chain input: priority 0 (want -310)" in_ns gw nft -f "$NET_TMP/moved.nft"
tamper "chain extra is not keygate's" in_ns gw nft add chain inet keygate extra
{
	echo "delete table inet keygate"
	in_ns gw nft list table inet keygate | sed 's/ 993,/ 994,/'
} >"$NET_TMP/ports.nft"
tamper "set mailports holds { 110 143 465 587 994 995 }" in_ns gw nft -f "$NET_TMP/ports.nft"
must fw add 10.77.0.2 60s 30s
tamper "chain idle: rule 'ip saddr @window4_30s ip saddr @idle4 update @idle4 { ip saddr timeout 30s } accept' is missing" \
	in_ns gw nft flush chain inet keygate idle
tamper "table inet keygate is missing" in_ns gw nft delete table inet keygate
tamper "has flags 0x1 (dormant" in_ns gw nft add table inet keygate '{ flags dormant; }'

log "another table's accept, ahead of ours or after, does not reopen the wall"
cat >"$NET_TMP/other.nft" <<'NFT'
table inet other {
	chain early { type filter hook input priority -400; policy accept; tcp dport 993 accept; }
	chain late { type filter hook input priority 0; policy accept; tcp dport 993 accept; }
}
NFT
must in_ns gw nft -f "$NET_TMP/other.nft"
must_shut nb 192.0.2.1 993 "with another table accepting mail"
must fw check

log "remove: the table goes, and the wall with it"
must fw remove
in_ns gw nft list table inet keygate >/dev/null 2>&1 && fail "the table is still there after remove"
must fw remove
must_open nb 192.0.2.1 993 "after remove"
pass "the kernel keeps windows, idle timeouts and the wall without vpnd"

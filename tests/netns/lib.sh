# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# Shared helpers for the end-to-end tests: hosts are network namespaces
# joined by veth pairs. Every name carries a per-run id so that tests (and
# developers) running at the same time never meet: /var/run/wireguard is
# shared by all namespaces, so interface names must be distinct too.
#
# Use:   . "$SRC/tests/netns/lib.sh"
#        net_init             # traps EXIT/INT/TERM to clean everything up
#        ns_add gw; ns_add laptop
#        veth_pair gw 192.0.2.1/24 laptop 192.0.2.2/24
#        wggo_start gw "$(wg_ifname gw)"
#        ...; pass / fail "why"
#
# Addresses: use 192.0.2.0/24, 198.51.100.0/24 (TEST-NET) for the
# "internet" links and 10.77.0.0/24 or fd77::/64 for tunnels; they exist
# only inside the namespaces made here.

set -uo pipefail

SRC=${SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$SRC/build}
# A short id: namespaces are "kg<id>-<name>", interfaces "kg<id><tag>".
RUN_ID=${RUN_ID:-$(printf '%04x' $(($$ % 65536)))}
# Tests run two at a time, and two pids can give one id: each test holds a
# lock named after its id while it runs, and takes the next id when that
# one is held. The files stay (one per id at most): removing a held lock's
# file would let two tests hold "the same" lock.
NET_ID_DIR=/run/keygate-tests
if command -v flock >/dev/null && mkdir -p "$NET_ID_DIR" 2>/dev/null; then
	for _ in $(seq 64); do
		exec {NET_ID_FD}>"$NET_ID_DIR/$RUN_ID.lock" && flock -n "$NET_ID_FD" && break
		exec {NET_ID_FD}>&-
		NET_ID_FD=
		RUN_ID=$(printf '%04x' $(((0x$RUN_ID + 1) % 65536)))
	done
	[ -n "${NET_ID_FD:-}" ] || { echo "no free run id in $NET_ID_DIR" >&2; exit 1; }
fi
NET_NAMESPACES=()
NET_PIDS=()
NET_TMP=""
NET_CLEANUP_HOOKS=()
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

log() { printf '[%s] %s\n' "$TEST_NAME" "$*" >&2; }

fail() {
	log "FAIL: $*"
	exit 1
}

pass() {
	log "PASS${1:+: $1}"
	exit 0
}

# Runs "$@" and fails the test with the message when it fails.
must() {
	local out
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		fail "command failed: $*"
	fi
	[ -n "$out" ] && printf '%s\n' "$out"
	return 0
}

# Fails the test when "$@" succeeds.
must_not() {
	if "$@" >/dev/null 2>&1; then
		fail "command should have failed: $*"
	fi
}

net_cleanup() {
	local rc=$?
	trap - EXIT
	# A second Ctrl-C must not cut the cleanup short.
	trap '' INT TERM
	local h ns pid
	for h in "${NET_CLEANUP_HOOKS[@]}"; do
		eval "$h" >/dev/null 2>&1 || true
	done
	for pid in "${NET_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for ns in "${NET_NAMESPACES[@]}"; do
		# Anything still running in the namespace goes with it.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -f /var/run/wireguard/kg"$RUN_ID"*.sock 2>/dev/null || true
	[ -n "$NET_TMP" ] && rm -rf "$NET_TMP"
	exit "$rc"
}

net_init() {
	if [ "$(id -u)" -ne 0 ]; then
		log "needs root (network namespaces)"
		exit 1
	fi
	trap net_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# Named before it is made, so that an interrupt at any moment finds
	# it for cleanup ($$ is unique among running processes).
	NET_TMP=/tmp/keygate-$TEST_NAME-$$-$RANDOM
	mkdir -m 0700 "$NET_TMP" || {
		NET_TMP=""
		fail "cannot make a temp dir under /tmp"
	}
}

# A command to run at cleanup, before namespaces go.
on_cleanup() { NET_CLEANUP_HOOKS+=("$*"); }

ns_name() { printf 'kg%s-%s' "$RUN_ID" "$1"; }

ns_add() {
	local ns
	ns=$(ns_name "$1")
	# Listed before it exists: an interrupt may come at any moment. One
	# that exists already is another run's, and stays.
	NET_NAMESPACES+=("$ns")
	ip netns add "$ns" || {
		unset 'NET_NAMESPACES[-1]'
		fail "cannot add namespace $ns"
	}
	ip -n "$ns" link set lo up
}

# Runs a command inside a host: in_ns gw ip addr
in_ns() {
	local ns
	ns=$(ns_name "$1")
	shift
	ip netns exec "$ns" "$@"
}

# Starts a command in a host in the background and remembers its pid.
# Output goes to $NET_TMP/<logname>.log.
bg_ns() {
	local host=$1 logname=$2
	shift 2
	in_ns "$host" "$@" >"$NET_TMP/$logname.log" 2>&1 &
	NET_PIDS+=("$!")
	echo "$!"
}

# veth_pair HOST1 CIDR1 HOST2 CIDR2: a link between two hosts.
veth_pair() {
	local a=$1 aip=$2 b=$3 bip=$4
	local ia="kg${RUN_ID}v${#NET_PIDS[@]}a$RANDOM" ib
	ia=${ia:0:13}
	ib="${ia}b"
	ia="${ia}a"
	# Made inside the namespaces: none is ever left in the host's.
	ip link add "$ia" netns "$(ns_name "$a")" type veth peer name "$ib" netns "$(ns_name "$b")" ||
		fail "cannot make veth $ia"
	in_ns "$a" ip addr add "$aip" dev "$ia"
	in_ns "$b" ip addr add "$bip" dev "$ib"
	in_ns "$a" ip link set "$ia" up
	in_ns "$b" ip link set "$ib" up
}

# A WireGuard interface name for a host, unique to this run (<= 15 chars).
wg_ifname() { printf 'kg%s%s' "$RUN_ID" "${1:0:6}"; }

# Starts wireguard-go for IF inside HOST and waits for its UAPI socket.
wggo_start() {
	local host=$1 ifname=$2
	bg_ns "$host" "wggo-$ifname" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ifname" >/dev/null
	on_cleanup "rm -f /var/run/wireguard/$ifname.sock"
	wait_for 5 test -S "/var/run/wireguard/$ifname.sock" ||
		fail "wireguard-go did not start for $ifname: $(cat "$NET_TMP/wggo-$ifname.log")"
	wait_for 5 in_ns "$host" ip link show "$ifname" ||
		fail "wireguard-go made no link $ifname"
}

# wait_for SECONDS CMD...: polls every 0.1 s until CMD succeeds, for at
# most SECONDS of wall time (a slow CMD, a probe that times out, counts).
wait_for() {
	local now=${EPOCHREALTIME/./} end
	end=$((now + $1 * 1000000))
	shift
	while ! "$@" >/dev/null 2>&1; do
		now=${EPOCHREALTIME/./}
		[ "$now" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# can_ping HOST ADDR: one ping with a 1 s deadline.
can_ping() { in_ns "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }

# tcp_open HOST ADDR PORT: does a TCP connection succeed within 2 s?
tcp_open() { in_ns "$1" nc -z -w 2 "$2" "$3" >/dev/null 2>&1; }

# vpnd's network child runs as the user keygate (docs/privsep.md) and vpnd
# refuses to start without it. Made here as the install step makes it, only
# when missing, and never removed: it may be the host's own.
vpnd_user_ensure() {
	getent passwd keygate >/dev/null && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin keygate 2>/dev/null
	# Another test may have made it at the same moment.
	getent passwd keygate >/dev/null || fail "cannot create the user keygate for vpnd's network child"
}

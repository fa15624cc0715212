#!/bin/bash
# SPDX-License-Identifier: ISC
# The laptop's real USB path: softkey --uhid makes a FIDO HID device through
# /dev/uhid, the kernel gives it a hidraw node, and enroll finds it the way
# it finds a key plugged in (libfido2's enumeration), with no --device and
# no interface named: register, up (kernel WireGuard via wg-quick), a ping.
# Two keys: enroll uses the one registered for this gateway and says which.
# Bad input, one line each, nothing written: no key, only the wrong key, the
# key pulled out while it waits for a touch, no touch, a PIN locked.
# shellcheck source=vmlib.sh
. "$SRC/tests/kernel/vmlib.sh"
fail() {
	[ -s "${LOG:-}" ] && tail -n 10 "$LOG" >&2
	log "FAIL: $*"
	exit 1
}
for b in vpnd enroll softkey wg-quick; do
	command -v "$b" >/dev/null || fail "$b is not in the VM (run-vm --bin)"
done
[ -c /dev/uhid ] || fail "no /dev/uhid: the uhid module is not loaded (run-vm --module uhid)"
# wg-quick feeds wg through <(...); bash needs /dev/fd for that.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
net_init
vpnd_user_ensure
umask 077
ns_add gw
ns_add laptop
veth_pair gw 192.0.2.1/24 laptop 192.0.2.2/24
GWIF=$(wg_ifname gw)
CONF=$NET_TMP/etc/vpnd.conf
LOG=$NET_TMP/vpnd.log
WGDIR=$NET_TMP/wireguard
PIN=4711
mkdir -p "$WGDIR"

must vpnd init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 --state-dir "$NET_TMP/state" \
	--control-socket "$NET_TMP/run/vpnd.sock" >/dev/null
vpnd_cmd() { in_ns gw vpnd "$@" -c "$CONF"; }
ip netns exec "$(ns_name gw)" vpnd run -c "$CONF" >>"$LOG" 2>&1 &
VPND_PID=$!
on_cleanup "kill $VPND_PID 2>/dev/null; wait $VPND_PID 2>/dev/null"
wait_for 10 vpnd_cmd status || fail "vpnd did not start"

# --- keys that plug in and out ------------------------------------------------
declare -A KEY_PID
hidraws() { ls /sys/class/hidraw 2>/dev/null | wc -l; }
hidraws_gt() { [ "$(hidraws)" -gt "$1" ]; }
hidraws_lt() { [ "$(hidraws)" -lt "$1" ]; }
# plug NAME [softkey options]: the key NAME (its state in $NET_TMP/NAME.state)
# appears as a hidraw node.
plug() {
	local name=$1 before
	shift
	before=$(hidraws)
	softkey --uhid "$name" --state "$NET_TMP/$name.state" "$@" >>"$NET_TMP/softkey-$name.log" 2>&1 &
	KEY_PID[$name]=$!
	NET_PIDS+=($!)
	wait_for 10 hidraws_gt "$before" ||
		fail "softkey --uhid $name made no hidraw node: $(cat "$NET_TMP/softkey-$name.log")"
	wait_for 5 sh -c 'ls /dev/hidraw* >/dev/null' || fail "no /dev/hidraw node for $name"
}
# unplug NAME [SIGNAL]: the node goes (kill -9 is a key pulled out).
unplug() {
	local before
	before=$(hidraws)
	kill "-${2:-TERM}" "${KEY_PID[$1]}" 2>/dev/null
	wait "${KEY_PID[$1]}" 2>/dev/null
	wait_for 5 hidraws_lt "$before" || fail "the hidraw node of $1 stayed"
}
# enroll with no --device and no interface: as a user types it.
en() { in_ns laptop enroll "$@" --config-dir "$WGDIR" --timeout 1000 --tries 5 --pin-fd 3 3<<<"$PIN"; }
# refused PATTERN CMD...: exits 1, one line on stderr matching PATTERN,
# within the touch timeout, and no file in $WGDIR changed.
refused() {
	local pattern=$1 out rc before t0 took
	shift
	before=$(cd "$WGDIR" && ls -l --full-time . && cat ./* 2>/dev/null | sha256sum)
	t0=$(cut -d' ' -f1 /proc/uptime)
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	took=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
	[ "$rc" = 1 ] || fail "'$*' exited $rc, not 1: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "'$*' said more than one line: $out"
	printf '%s\n' "$out" | grep -q -- "$pattern" || fail "'$*' said: $out"
	awk -v t="$took" 'BEGIN { exit !(t < 15) }' || fail "'$*' took ${took}s"
	[ "$(cd "$WGDIR" && ls -l --full-time . && cat ./* 2>/dev/null | sha256sum)" = "$before" ] ||
		fail "'$*' changed the laptop's files"
	log "refused in ${took}s: $out"
}

# --- no key ---------------------------------------------------------------------
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
refused "no FIDO2 security key found; plug one in" en register "$uri"
[ -z "$(ls -A "$WGDIR")" ] || fail "register without a key wrote $(ls -A "$WGDIR")"

# --- register and up through hidraw -------------------------------------------
plug work --pin "$PIN"
grep -q 'HID_NAME=keygate softkey work' /sys/class/hidraw/*/device/uevent ||
	fail "the hidraw node is not softkey's"
out=$(en register "$uri") || fail "register through hidraw failed: $out"
echo "$out" | grep -q "^Registered laptop (owner alice)" || fail "register said: $out"
[ -f "$WGDIR/wg0.conf" ] && [ -f "$WGDIR/wg0.keygate" ] || fail "register wrote $(ls "$WGDIR")"
out=$(en up) || fail "up through hidraw failed: $out"
echo "$out" | grep -q "^wg0 is active until" || fail "up said: $out"
in_ns laptop ip -d link show wg0 | grep -qw wireguard || fail "wg0 is not a kernel WireGuard link"
wait_for 5 can_ping laptop 10.77.0.1 || fail "no ping through the tunnel after up"
log "register and up with the key found by enumeration; ping through kernel WireGuard"

# --- two keys: the registered one is used, and named --------------------------
plug personal --pin "$PIN"
out=$(en up) || fail "up with two keys failed: $out"
echo "$out" | grep -q "^Touch your security key: keygate softkey work (/dev/hidraw[0-9]*)\.$" ||
	fail "up with two keys did not say which it waits for: $out"
log "two keys: $(echo "$out" | head -n 1)"
# The same with the other key first in the list.
unplug work
unplug personal
plug personal --pin "$PIN"
plug work --pin "$PIN"
out=$(en up) || fail "up with two keys (work plugged in last) failed: $out"
echo "$out" | grep -q "keygate softkey work" || fail "up picked another key: $out"

# --- the wrong key only, then none --------------------------------------------
unplug work
refused "the security key plugged in, keygate softkey personal (/dev/hidraw[0-9]*), is not registered for this gateway" \
	en up
unplug personal
refused "no FIDO2 security key found; plug one in" en up
refused "no FIDO2 security key found; plug one in" en activate laptop

# --- pulled out while waiting for the touch -----------------------------------
plug work --pin "$PIN" --touch-delay 20000
en up >"$NET_TMP/up.out" 2>"$NET_TMP/up.err" &
up_pid=$!
wait_for 10 grep -q '^Touch your security key' "$NET_TMP/up.out" ||
	fail "up did not ask for a touch: $(cat "$NET_TMP/up.out" "$NET_TMP/up.err")"
before=$(cat "$WGDIR"/* | sha256sum)
t0=$(cut -d' ' -f1 /proc/uptime)
unplug work KILL
wait_for 5 sh -c "! kill -0 $up_pid" || fail "up hangs after the key was pulled out"
wait "$up_pid"
rc=$?
took=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
err=$(cat "$NET_TMP/up.err")
[ "$rc" = 1 ] || fail "up exited $rc after the key was pulled out: $err"
[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "the security key was removed before it was touched" ||
	fail "up after the key was pulled out said: $err"
[ "$(cat "$WGDIR"/* | sha256sum)" = "$before" ] || fail "a pulled-out key left the files changed"
log "pulled out mid-touch: up ended ${took}s later: $err"

# --- no touch, and a locked PIN -------------------------------------------------
plug work --pin "$PIN" --presence no --touch-timeout 2000
refused "the security key was not touched in time" en up
unplug work
sed -i 's/^pin-retries .*/pin-retries 0/' "$NET_TMP/work.state"
plug work --pin "$PIN"
refused "the security key's PIN is blocked" en up
unplug work

# The session is still the gateway's to end.
in_ns laptop enroll down --config-dir "$WGDIR" >/dev/null || fail "down failed"
[ -z "$(in_ns gw wg show "$GWIF" peers)" ] || fail "down left the peer on the gateway"
pass "hidraw: register, up, ping; two keys (the registered one, named); no key, wrong key, pulled out, no touch, PIN blocked"

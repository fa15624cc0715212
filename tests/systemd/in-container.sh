#!/bin/bash
# SPDX-License-Identifier: ISC
# vpnd's unit under systemd as PID 1. run.sh boots a Debian root with
# systemd-nspawn and systemd starts this script as a unit of its own
# (keygate-test.service) once the system is up; it drives vpnd.service
# with systemctl, as an admin would, and writes its verdict to
# /keygate-out/result (PASS, or FAIL and why), its log beside it. Every wait
# is bounded.
# shellcheck disable=SC2015 # "A && B || fail": fail unless both hold
set -uo pipefail
OUT=/keygate-out
exec >"$OUT/log" 2>&1

CONF=/etc/vpnd/vpnd.conf
IF=wg0
UNIT=vpnd.service
# shellcheck source=tests/systemd/container-lib.sh
. "$(dirname "$0")/container-lib.sh"

fail() {
	log "FAIL: $*"
	echo "--- systemctl status $UNIT"
	systemctl status --no-pager "$UNIT"
	echo "--- journal of $UNIT (last 60 lines)"
	journalctl -b --no-pager -u "$UNIT" | tail -n 60
	echo "FAIL: $*" >"$OUT/result"
	exit 1
}

prop() { systemctl show -p "$1" --value "$UNIT"; }
state() { echo "$(prop ActiveState)/$(prop SubState)"; }
is_running() { [ "$(state)" = active/running ]; }
mainpid() { prop MainPID; }
restarts() { prop NRestarts; }
peers() { wg show "$IF" peers; }
on_if() { peers | grep -qxF "$1"; }
vpnd_cmd() { vpnd "$@" -c "$CONF"; }
seconds() { # "20s", "1min 30s" -> seconds, from systemctl show
	local v=$1 s=0
	[[ $v =~ ([0-9]+)min ]] && s=$((BASH_REMATCH[1] * 60))
	[[ $v =~ ([0-9]+)s ]] && s=$((s + BASH_REMATCH[1]))
	echo "$s"
}

# What vpnd told systemd: PID 1 logs each notification at debug level.
notes() { # PID -> "READY=1, WATCHDOG=1" lines, oldest first
	journalctl -b --no-pager -o cat _PID=1 |
		sed -n "s/^$UNIT: Got notification message from PID $1 (\(.*\))\$/\1/p"
}
notified() { notes "$1" | grep -q "$2"; } # PID, regex

# --- The system, the tools, the unit as shipped -------------------------
log "systemd $(systemctl --version | head -n1 | cut -d' ' -f2) as PID 1: $(systemctl is-system-running)"
systemd-analyze log-level debug || fail "cannot raise PID 1's log level"

if ! systemd-analyze verify --man=no "$UNIT" >"$OUT/verify" 2>&1; then
	cat "$OUT/verify"
	fail "systemd-analyze verify $UNIT"
fi
log "systemd-analyze verify $UNIT: clean ($(wc -l <"$OUT/verify") lines of notes)"
systemd-analyze security --no-pager "$UNIT" >"$OUT/security" 2>&1 ||
	log "systemd-analyze security exits $? (it does above 'medium' exposure)"
grep -q 'Overall exposure level' "$OUT/security" || fail "systemd-analyze security gave no score"
log "$(grep 'Overall exposure level' "$OUT/security")"
RESTART_SEC=$(seconds "$(prop RestartUSec)")
[ "$(prop Type)" = notify ] || fail "$UNIT is Type=$(prop Type), not notify"
[ "$(prop Restart)" = always ] || fail "$UNIT has Restart=$(prop Restart), not always"
# The watchdog's SIGABRT must not write the gateway key to a core file.
[ "$(prop LimitCORE)" = 0 ] || fail "$UNIT allows core dumps (LimitCORE=$(prop LimitCORE))"

# Userspace WireGuard for the interface (the container has /dev/net/tun).
systemctl start keygate-wg.service || fail "cannot start wireguard-go"
wait_for 10 test -S "/var/run/wireguard/$IF.sock" || fail "wireguard-go made no $IF"
WGPID=$(systemctl show -p MainPID --value keygate-wg.service)
vpnd init -c "$CONF" --interface "$IF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 >/dev/null || fail "vpnd init"

# --- READY=1: active only once vpnd serves -------------------------------
# With wireguard-go frozen, vpnd's start waits on the interface (its UAPI
# exchange gives up after 3 s of silence): the unit must stay "activating"
# all that while, with vpnd running, and turn active only after it goes on.
kill -STOP "$WGPID"
systemctl start --no-block "$UNIT"
sleep 1.5
st=$(state)
pid=$(mainpid)
kill -CONT "$WGPID"
[ "$st" = activating/start ] || fail "with vpnd still reconciling the interface, $UNIT was $st"
[ "$pid" -gt 0 ] && [ -d "/proc/$pid" ] || fail "vpnd was not running while $UNIT was activating"
wait_for 10 is_running || fail "$UNIT did not become active after the interface answered ($(state))"
notified "$pid" 'READY=1' || fail "systemd logged no READY=1 from vpnd (pid $pid)"
log "$UNIT was activating while vpnd reconciled, active after READY=1"
# WatchdogUSec says "infinity" until the unit runs.
WATCHDOG=$(seconds "$(prop WatchdogUSec)")
[ "$WATCHDOG" -gt 0 ] || fail "$UNIT has no WatchdogSec (WatchdogUSec=$(prop WatchdogUSec))"
log "unit: Type=notify WatchdogSec=${WATCHDOG}s Restart=always RestartSec=${RESTART_SEC}s"
# When `systemctl start` returns, vpnd answers at once: no retry here.
systemctl restart "$UNIT" || fail "systemctl restart $UNIT"
vpnd_cmd status >/dev/null || fail "vpnd did not answer the moment systemctl restart returned"
log "systemctl restart returned with vpnd serving"

# --- systemctl stop; systemctl start reconciles --------------------------
LONG=$(wg genkey | wg pubkey)
SHORT=$(wg genkey | wg pubkey)
vpnd_cmd peer add long --owner alice --public-key "$LONG" --address 10.77.0.2 >/dev/null ||
	fail "peer add long"
vpnd_cmd peer add short --owner alice --existing-owner --public-key "$SHORT" \
	--address 10.77.0.3 >/dev/null || fail "peer add short"
vpnd_cmd session open long --window 10m >/dev/null || fail "session open long"
SHORT_WINDOW=6
vpnd_cmd session open short --window ${SHORT_WINDOW}s >/dev/null || fail "session open short"
short_end=$((${EPOCHREALTIME/./} + SHORT_WINDOW * 1000000))
on_if "$LONG" && on_if "$SHORT" || fail "opened sessions' peers are not on $IF"
n0=$(restarts)
pid=$(mainpid)
systemctl stop "$UNIT" || fail "systemctl stop $UNIT"
[ "$(state)" = inactive/dead ] || fail "after systemctl stop, $UNIT is $(state)"
notified "$pid" 'STOPPING=1' || fail "systemd logged no STOPPING=1 from vpnd (pid $pid)"
# Restart=always must not undo an admin's stop.
sleep $((RESTART_SEC + 2))
[ "$(state)" = inactive/dead ] || fail "$UNIT came back after systemctl stop ($(state))"
[ "$(restarts)" = "$n0" ] || fail "systemctl stop counted as a restart"
log "systemctl stop: inactive, STOPPING=1 seen, not restarted after ${RESTART_SEC}s+2s"
# A stopped vpnd removes nothing: both peers stay until it runs again.
on_if "$LONG" && on_if "$SHORT" || fail "a peer left $IF while vpnd was stopped"
[ "${EPOCHREALTIME/./}" -lt "$short_end" ] ||
	fail "setup: short's window ended before it could be checked (too slow)"

# The kernel's wall, table inet keygate, stays when vpnd stops: short's
# address leaves the window set within a second of its window's end with
# no vpnd at all, and long's stays. (Whether mail is then refused is
# tests/netns/wall-down.sh's; here the set is the proof.)
# window_has ADDR: ADDR is an element of one of the window sets.
window_has() {
	local t w
	t=$(nft list table inet keygate) || return 2
	w=$(awk '/^\tset /{ w = ($2 ~ /^window/) } w' <<<"$t")
	grep -qF "$1 " <<<"$w"
}
windows_end_while_stopped() {
	local gone late
	nft list table inet keygate >/dev/null || fail "no table inet keygate after systemctl stop"
	window_has 10.77.0.3 || fail "short's address is in no window set after systemctl stop"
	while window_has 10.77.0.3; do
		[ "${EPOCHREALTIME/./}" -lt $((short_end + 3000000)) ] ||
			fail "short's address is still in a window set 3 s after its window ended"
		sleep 0.05
	done
	gone=${EPOCHREALTIME/./}
	late=$(((gone - short_end) / 1000))
	[ "$late" -le 1000 ] && [ "$late" -ge -300 ] ||
		fail "short's address left the window set ${late} ms after its end"
	window_has 10.77.0.2 || fail "long's address left the window set while vpnd was stopped"
	log "vpnd stopped: short's address left the kernel's window set ${late} ms after its window's end (negative: before); long's stays"
}
windows_end_while_stopped

# Behind vpnd's back, long's peer leaves the interface and its address the
# window set: a start must put both back (its window is still open), and
# take short's peer off (its window ended).
wg set "$IF" peer "$LONG" remove
nft delete element inet keygate window4_1800s '{ 10.77.0.2 }' ||
	fail "cannot delete long's element from window4_1800s"
until [ "${EPOCHREALTIME/./}" -ge $((short_end + 1000000)) ]; do sleep 0.2; done
on_if "$SHORT" || fail "short's peer left $IF while vpnd was stopped"
systemctl start "$UNIT" || fail "systemctl start $UNIT"
run_since=${EPOCHREALTIME/./}
is_running || fail "systemctl start returned with $UNIT $(state)"
on_if "$LONG" || fail "systemctl start did not put back the peer of a live session"
on_if "$SHORT" && fail "systemctl start kept the peer of a session whose window ended while stopped"
window_has 10.77.0.2 || fail "systemctl start did not put long's address back in its window set"
window_has 10.77.0.3 && fail "systemctl start put short's address back in a window set"
vpnd_cmd session list | grep -q long || fail "long's session is gone after the start"
vpnd_cmd session list | grep -q short && fail "short's session survived its window"
log "systemctl start reconciled: the live session's peer and window element are back, the ended one's gone"

# --- Reload: RELOADING=1, then READY=1 -----------------------------------
pid=$(mainpid)
systemctl reload "$UNIT" || fail "systemctl reload $UNIT"
wait_for 5 notified "$pid" 'RELOADING=1' || fail "systemd logged no RELOADING=1 from vpnd"
wait_for 5 is_running || fail "after a reload $UNIT is $(state)"
notes "$pid" | sed -n '/RELOADING=1/,$p' | grep -q 'READY=1' ||
	fail "no READY=1 after RELOADING=1"
vpnd_said() { journalctl -b --no-pager -o cat _PID="$1" | grep -q "$2"; }
wait_for 5 vpnd_said "$pid" 'reloaded' || fail "vpnd logged no reload"
[ "$(mainpid)" = "$pid" ] || fail "a reload restarted vpnd"
log "systemctl reload: RELOADING=1 then READY=1, same process"

# --- The pings: a running vpnd outlives WatchdogSec ----------------------
# The same vpnd since the start above: let it run 1.25 WatchdogSec in all.
need=$((WATCHDOG * 1250000))
while [ $((${EPOCHREALTIME/./} - run_since)) -lt "$need" ]; do
	is_running && [ "$(mainpid)" = "$pid" ] || break
	sleep 0.5
done
[ "$(mainpid)" = "$pid" ] && is_running ||
	fail "vpnd did not outlive WatchdogSec (${WATCHDOG}s) untouched ($(state), NRestarts=$(restarts))"
pings=$(notes "$pid" | grep -cx 'WATCHDOG=1') # the timer's, not READY's
[ "$pings" -ge 2 ] || fail "only $pings WATCHDOG=1 pings in $((WATCHDOG * 5 / 4))s"
log "vpnd ran $((WATCHDOG * 5 / 4))s with WatchdogSec=${WATCHDOG}s: $pings pings, not restarted"

# --- The watchdog: a frozen vpnd is killed and restarted -----------------
n0=$(restarts)
t=${EPOCHREALTIME/./}
kill -STOP "$pid"
margin=10
limit=$((WATCHDOG + RESTART_SEC + margin))
back() { [ "$(restarts)" -gt "$n0" ] && is_running && [ "$(mainpid)" != "$pid" ]; }
wait_for "$limit" back ||
	fail "a SIGSTOPped vpnd was not restarted within ${limit}s ($(state), NRestarts=$(restarts))"
took=$(((${EPOCHREALTIME/./} - t) / 1000000))
journalctl -b --no-pager -u "$UNIT" | grep -q 'Watchdog timeout' ||
	fail "vpnd came back, but systemd logged no watchdog timeout"
[ -d "/proc/$pid" ] && fail "the frozen vpnd (pid $pid) is still there"
on_if "$LONG" || fail "the live session's peer is not on $IF after the watchdog restart"
log "SIGSTOP: watchdog timeout, restarted in ${took}s (limit WatchdogSec+RestartSec+${margin}s = ${limit}s):"
journalctl -b --no-pager -o cat -u "$UNIT" |
	grep -E 'Watchdog timeout|Killing process|Main process exited, code=(killed|dumped)|Scheduled restart' |
	tail -n 4 | sed 's/^/    /'

# --- Restart=always: a SIGTERM not from systemctl stop -------------------
n0=$(restarts)
pid=$(mainpid)
since=$(date +%s)
kill -TERM "$pid"
wait_for $((RESTART_SEC + 10)) back ||
	fail "vpnd exited after a stray SIGTERM and did not come back ($(state), NRestarts=$(restarts))"
journalctl -b --no-pager -u "$UNIT" --since "@$since" |
	grep -q "Main process exited, code=exited, status=0" || fail "vpnd did not exit 0 on SIGTERM"
log "a stray SIGTERM (exit 0): restarted, NRestarts=$(restarts)"

log "PASS"
echo PASS >"$OUT/result"

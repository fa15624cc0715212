#!/bin/bash
# SPDX-License-Identifier: ISC
# Privilege separation, as a user sees it: the process that reads the
# activation port runs as the user keygate, without capabilities, under
# seccomp, chrooted into an empty directory; the monitor has CAP_NET_ADMIN
# alone in effect and none of the child's ids, so a process of the child's
# user cannot signal it. Killed with SIGKILL, the network child comes
# back; the live session and its peer stay on the interface, traffic goes
# on, a new activation works. Code run inside the child (one system call
# put there with ptrace) cannot signal the monitor, send on a descriptor
# other than its two sockets, or name a path: the filter kills it. Without
# its user, or without CAP_KILL, vpnd refuses to start in one line.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start key1 --pin "$PIN"

status_field() { vpnd_cmd status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

child=$(status_field netchild-pid)
[ -n "$child" ] && [ "$child" -gt 1 ] && [ -d "/proc/$child" ] ||
	fail "no network child (netchild-pid '$child')"
# The child: not root, no capability in any set, seccomp filtering (2).
[ "$(proc_field "$child" Uid)" != 0 ] || fail "the network child runs as root"
[ "$(proc_field "$child" Gid)" != 0 ] || fail "the network child runs with gid 0"
for set in CapEff CapPrm CapInh CapAmb; do
	[ "$(proc_field "$child" $set)" = 0000000000000000 ] ||
		fail "the network child has capabilities: $set $(proc_field "$child" $set)"
done
[ "$(proc_field "$child" Seccomp)" = 2 ] || fail "the network child has no seccomp filter"
[ "$(proc_field "$child" NoNewPrivs)" = 1 ] || fail "the network child may gain privileges"
# Its root is the empty directory; past stdin, stdout and stderr (its
# log) it holds nothing but its two sockets.
root=$(readlink "/proc/$child/root")
[ "$root" = "$NET_TMP/state/empty" ] || fail "the network child's root is '$root'"
[ -z "$(ls -A "/proc/$child/root/")" ] || fail "the network child's root is not empty"
for fd in /proc/"$child"/fd/*; do
	[ "${fd##*/}" -le 2 ] && continue
	case $(readlink "$fd") in socket:*) ;; *) fail "the network child holds $(readlink "$fd")" ;; esac
done
[ "$(ls /proc/"$child"/fd | wc -l)" = 5 ] || fail "the network child holds $(ls /proc/"$child"/fd | wc -l) fds"
# The child's user is keygate, which the harness made if it was missing.
kg_uid=$(id -u keygate) kg_gid=$(id -g keygate) || fail "no user keygate"
[ "$(proc_field "$child" Uid)" = "$kg_uid" ] && [ "$(status_field netchild-user)" = keygate ] ||
	fail "the network child runs as uid $(proc_field "$child" Uid), not keygate's $kg_uid"
# The monitor: CAP_NET_ADMIN (bit 12) alone in effect; CAP_KILL (5),
# CAP_SETGID (6) and CAP_SETUID (7) only permitted, to start and stop
# children; the bounding set no larger.
[ "$(proc_field "$VPND_PID" CapEff)" = 0000000000001000 ] ||
	fail "the monitor's CapEff is $(proc_field "$VPND_PID" CapEff), not CAP_NET_ADMIN alone"
for set in CapPrm CapBnd; do
	[ "$(proc_field "$VPND_PID" $set)" = 00000000000010e0 ] ||
		fail "the monitor's $set is $(proc_field "$VPND_PID" $set), not CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_KILL"
done
for set in CapInh CapAmb; do
	[ "$(proc_field "$VPND_PID" $set)" = 0000000000000000 ] ||
		fail "the monitor's $set is $(proc_field "$VPND_PID" $set)"
done
[ "$(proc_field "$VPND_PID" NoNewPrivs)" = 1 ] || fail "the monitor may gain privileges"
# None of its four uids (real, effective, saved, file system) nor gids is
# the child's: they are all root's.
for f in Uid Gid; do
	read -r _ ids < <(grep "^$f:" "/proc/$VPND_PID/status")
	for id in $ids; do
		[ "$id" != "$([ $f = Uid ] && echo "$kg_uid" || echo "$kg_gid")" ] ||
			fail "the monitor holds the child's id among its ${f}s: $ids"
		[ "$id" = 0 ] || fail "the monitor's ${f}s are $ids, not all 0"
	done
done

# A process of the child's user cannot signal the monitor.
monitor_stopped() { [ "$(proc_field "$VPND_PID" State)" = T ]; }
out=$(setpriv --reuid "$kg_uid" --regid "$kg_gid" --clear-groups kill -STOP "$VPND_PID" 2>&1)
rc=$?
sleep 0.2
if [ "$rc" = 0 ] || monitor_stopped; then
	kill -CONT "$VPND_PID"
	fail "a process of the child's user stopped the monitor (kill: exit $rc, '$out')"
fi
case $out in *"not permitted"*) ;; *) fail "kill as keygate failed, but not with EPERM: '$out'" ;; esac
vpnd_cmd status >/dev/null || fail "the monitor stopped serving after the signal"

# A session, through the child.
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after up"
lpub=$(laptop_pub)

kill -9 "$child"
new=""
for _ in $(seq 50); do
	new=$(status_field netchild-pid 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$child" ] && [ "$new" != 0 ] && break
	sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$child" ] && [ "$new" != 0 ] || fail "the network child did not come back"
kill -0 "$VPND_PID" || fail "the monitor died with its child"
[ "$(status_field netchild-restarts)" -ge 1 ] || fail "the restart was not counted"
grep -q "event=netchild-restart pid=$child reason=closed status=signal-9" "$NET_TMP/vpnd.log" ||
	fail "no audit line for the child's death"
[ "$(proc_field "$new" Seccomp)" = 2 ] && [ "$(proc_field "$new" Uid)" != 0 ] ||
	fail "the new child is not sandboxed"
# The session and its peer stayed; traffic never needed the child.
vpnd_cmd session list | grep -q laptop || fail "the session ended with the child"
gw_peers | grep -qxF "$lpub" || fail "the peer left the interface with the child"
can_ping laptop 10.77.0.1 || fail "traffic stopped with the child"

# One system call put inside the running child, as an attacker's code
# would make it. A call the filter allows goes through, so the others
# test the filter, not the tool.
child_after() {
	local old=$1 pid=""
	for _ in $(seq 100); do
		pid=$(status_field netchild-pid 2>/dev/null)
		[ -n "$pid" ] && [ "$pid" != "$old" ] && [ "$pid" != 0 ] && break
		sleep 0.1
	done
	[ -n "$pid" ] && [ "$pid" != "$old" ] && [ "$pid" != 0 ] || fail "no network child after $old"
	# Serving: it said READY (the monitor logs it).
	wait_for 5 grep -q "network child $pid \(is back\|serves\)" "$NET_TMP/vpnd.log" ||
		fail "the network child $pid never became ready"
	echo "$pid"
}
INJECT=$BUILD/tests/tools/kg-inject
[ -x "$INJECT" ] || fail "no $INJECT: build first"
child=$new
"$INJECT" "$child" getpid >"$NET_TMP/inject" 2>&1
rc=$?
if [ "$rc" = 77 ]; then
	log "skipping the calls inside the child: kg-inject knows x86-64 only"
else
	[ "$rc" = 0 ] && [ "$(cat "$NET_TMP/inject")" = "returned $child" ] ||
		fail "kg-inject getpid in the child: $(cat "$NET_TMP/inject")"
	out=$("$INJECT" "$child" tgkill "$child" "$child" 0)
	[ "$out" = "returned 0" ] || fail "the child may not signal itself (abort): $out"
	# SIGSTOP (19) to the monitor by tgkill and by kill, a datagram on
	# stderr (a descriptor that is not one of its two sockets), a stat of
	# a path: each kills the child with SIGSYS (31), and the monitor starts
	# a new one and audits it. (A sanitizer build answers a stat by path
	# with EPERM instead, -1 here: its reports may try one.)
	for call in "tgkill $VPND_PID $VPND_PID 19" "kill $VPND_PID 19" "sendto 2 buf 1 0 0 0" \
		"newfstatat -100 str:/ buf 0"; do
		# shellcheck disable=SC2086 # the call and its arguments
		out=$("$INJECT" "$child" $call 2>&1)
		sleep 0.2
		if monitor_stopped; then
			kill -CONT "$VPND_PID"
			fail "the network child stopped the monitor ($call: $out)"
		fi
		if [ "$out" = "returned -1" ] && [ "${call%% *}" = newfstatat ]; then
			kill -0 "$child" && [ "$(status_field netchild-pid)" = "$child" ] ||
				fail "the child is gone after a refused $call"
			continue
		fi
		[ "$out" = "signal 31" ] || fail "the child's filter let $call through: $out"
		wait_for 5 grep -q "event=netchild-restart pid=$child reason=closed status=signal-31" \
			"$NET_TMP/vpnd.log" ||
			fail "no audit line for the child killed by its filter ($call)"
		child=$(child_after "$child") || exit 1
	done
	vpnd_cmd status >/dev/null || fail "the monitor stopped serving"
	new=$child
fi

# A new activation, through the new child.
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
[ -z "$(gw_peers)" ] || fail "down did not end the session through the new child"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after an activation through the new child"

# Without its user vpnd refuses to start, in one line, exit 1, and the
# running vpnd is not disturbed: first a ChildUser that does not exist,
# then the default (keygate) with passwd and group files that lack it.
refuses_without() {
	local user=$1 rc
	shift
	timeout 10 "$@" >"$NET_TMP/out" 2>"$NET_TMP/err"
	rc=$?
	[ "$rc" = 1 ] || fail "vpnd without the user $user: exit $rc, want 1: $(head -c 400 "$NET_TMP/err")"
	[ "$(grep -c '' "$NET_TMP/err")" = 1 ] && grep -q "^vpnd: no user '$user' for the network child: create it (useradd --system .* $user" "$NET_TMP/err" ||
		fail "vpnd without the user $user said: $(head -c 400 "$NET_TMP/err")"
}
{ cat "$CONF"; printf '[Daemon]\nChildUser = kg-no-such-user\n'; } >"$NET_TMP/other.conf"
refuses_without kg-no-such-user ip netns exec "$(ns_name gw)" "$VPND" run -c "$NET_TMP/other.conf"
grep -v '^keygate:' /etc/passwd >"$NET_TMP/passwd"
grep -v '^keygate:' /etc/group >"$NET_TMP/group"
# shellcheck disable=SC2016 # expanded by the inner shell
refuses_without keygate unshare -m sh -c 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group &&
	exec ip netns exec "$3" "$4" run -c "$5"' sh "$NET_TMP/passwd" "$NET_TMP/group" "$(ns_name gw)" "$VPND" "$CONF"
# Without CAP_KILL (an old unit's bounding set) it could not stop a child:
# refused likewise.
timeout 10 capsh --drop=cap_kill -- -c 'exec ip netns exec "$1" "$2" run -c "$3"' sh "$(ns_name gw)" \
	"$VPND" "$CONF" >"$NET_TMP/out" 2>"$NET_TMP/err"
rc=$?
[ "$rc" = 1 ] && [ "$(grep -c '' "$NET_TMP/err")" = 1 ] && grep -q "^vpnd: missing CAP_KILL: " "$NET_TMP/err" ||
	fail "vpnd without CAP_KILL: exit $rc: $(head -c 400 "$NET_TMP/err")"
vpnd_cmd status >/dev/null && kill -0 "$VPND_PID" || fail "the refused starts disturbed the running vpnd"

pass "child: keygate, no caps, seccomp, chroot, kills itself on signals out, foreign sends and paths; monitor: none of the child's ids, CAP_NET_ADMIN in effect; kill -9: back, session kept; no user: refused"

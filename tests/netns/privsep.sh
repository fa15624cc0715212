#!/bin/bash
# SPDX-License-Identifier: ISC
# Privilege separation, as a user sees it: the process that reads the
# activation port runs as another uid, without capabilities, under seccomp,
# chrooted into an empty directory; the monitor keeps CAP_NET_ADMIN only.
# Killed with SIGKILL, the network child comes back; the live session and
# its peer stay on the interface, traffic goes on, a new activation works.
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
# The monitor: CAP_NET_ADMIN (bit 12) and nothing else, in every set.
for set in CapEff CapPrm CapBnd; do
	[ "$(proc_field "$VPND_PID" $set)" = 0000000000001000 ] ||
		fail "the monitor's $set is $(proc_field "$VPND_PID" $set), not CAP_NET_ADMIN alone"
done
[ "$(proc_field "$VPND_PID" NoNewPrivs)" = 1 ] || fail "the monitor may gain privileges"

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
# A new activation, through the new child.
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
[ -z "$(gw_peers)" ] || fail "down did not end the session through the new child"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after an activation through the new child"
pass "child: uid $(proc_field "$new" Uid), no caps, seccomp, chroot; monitor: CAP_NET_ADMIN only; kill -9: back, session kept"

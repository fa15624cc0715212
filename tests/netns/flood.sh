#!/bin/bash
# SPDX-License-Identifier: ISC
# A flood on the activation port: random datagrams and mutated valid ones
# (tests/tools/flood.c), FLOOD_RATE a second for FLOOD_SECONDS (default 15;
# 60 for the long run), to loopback inside the gateway's namespace. vpnd
# stays up and its network child is never restarted; the resident memory
# of both processes stays flat; the owner's activations keep working
# throughout; and the counters account for every datagram: each one
# received ends in exactly one counter, and received plus the socket's own
# drops is what was sent.
. "$(dirname "$0")/activation-lib.sh"
FLOOD=${FLOOD:-$BUILD/tests/tools/kg-flood}
FLOOD_SECONDS=${FLOOD_SECONDS:-15}
FLOOD_RATE=${FLOOD_RATE:-8000}
# Sanitizer runtimes keep freed memory in quarantine; a small one keeps
# "flat" meaningful there too.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=2:thread_local_quarantine_size_kb=64
[ -x "$FLOOD" ] || fail "no $FLOOD: build first"
act_setup
softkey_start key1 --pin "$PIN"

status_json() { vpnd_cmd status --json; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
# received, and the sum of the counters every datagram ends in
counts() {
	status_json | python3 -c '
import json, sys
s = {k: int(v) for k, v in json.load(sys.stdin).items() if k.startswith("act-") and v is not None and str(v).isdigit()}
outcomes = sum(s[k] for k in ("act-drop-malformed", "act-drop-mac0", "act-drop-mac1", "act-drop-rate",
    "act-drop-global", "act-drop-challenge", "act-drop-replay", "act-drop-undecryptable",
    "act-drop-busy", "act-hellos", "act-other-version", "act-retired-key", "act-retransmits",
    "act-requests"))
print(s["act-received"], outcomes, s["act-drop-socket"])'
}

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
furi=$(vpnd_cmd peer add flood-target --owner mallory) || fail "peer add failed"
child=$(status_json | field netchild-pid)
read -r rec0 _ drop0 < <(counts)

in_ns gw "$FLOOD" "$furi" "$FLOOD_SECONDS" "$FLOOD_RATE" 256 >"$NET_TMP/flood.out" 2>&1 &
flood_pid=$!
sleep 3
warm_mon=$(rss "$VPND_PID") warm_child=$(rss "$child")
# The owner activates again and again while the flood goes on.
ups=0
while kill -0 "$flood_pid" 2>/dev/null; do
	out=$(enroll_as key1 "$PIN" -- up "$LIF" 2>&1) ||
		fail "an activation failed during the flood: $out; $(status_json | tr -d '\n' | grep -o '"act-[a-z-]*": *[0-9]*' | tr '\n' ' ')"
	ups=$((ups + 1))
	sleep 2
done
wait "$flood_pid" || fail "kg-flood failed: $(cat "$NET_TMP/flood.out")"
read -r _ sent _ replies < "$NET_TMP/flood.out"
end_mon=$(rss "$VPND_PID") end_child=$(rss "$child")
[ "$ups" -ge 2 ] || fail "only $ups activations during the flood"
kill -0 "$VPND_PID" || fail "vpnd died"
[ "$(status_json | field netchild-pid)" = "$child" ] || fail "the network child was restarted"
[ "$(status_json | field netchild-violations)" = 0 ] || fail "the child broke the protocol"
log "sent $sent in ${FLOOD_SECONDS}s ($replies replies), $ups activations;" \
	"RSS monitor ${warm_mon}->${end_mon} kB, child ${warm_child}->${end_child} kB"
# Flat: what was resident after 3 s is what is resident at the end. Under
# AddressSanitizer every free goes to a quarantine (up to 256 MB) and is
# not reused, so resident memory grows with the allocations made however
# flat the program is: there the bound is wider.
slack=512
grep -q __asan_init "$VPND" && slack=4096
[ "$end_mon" -le $((warm_mon + slack)) ] || fail "the monitor grew from $warm_mon to $end_mon kB"
[ "$end_child" -le $((warm_child + slack)) ] || fail "the child grew from $warm_child to $end_child kB"

# Every datagram received ends in exactly one counter, and received plus
# the socket's drops is the flood plus the owner's few packets.
sleep 1.5
read -r rec1 out1 drop1 < <(counts)
[ "$rec1" = "$out1" ] || fail "received $rec1 but the counters sum to $out1: $(status_json)"
extra=$(((rec1 - rec0) + (drop1 - drop0) - sent))
[ "$extra" -ge 0 ] && [ "$extra" -le $((ups * 8 + 8)) ] ||
	fail "sent $sent (and $ups activations) but vpnd saw $((rec1 - rec0 + drop1 - drop0))"
# Exactly, with nothing else on the wire.
in_ns gw "$FLOOD" "$furi" 1 3000 16 >"$NET_TMP/flood2.out" 2>&1 || fail "kg-flood failed"
read -r _ sent2 _ < "$NET_TMP/flood2.out"
sleep 1.5
read -r rec2 out2 drop2 < <(counts)
[ "$rec2" = "$out2" ] || fail "received $rec2 but the counters sum to $out2"
[ $(((rec2 - rec1) + (drop2 - drop1))) = "$sent2" ] ||
	fail "sent $sent2, vpnd accounts for $(((rec2 - rec1) + (drop2 - drop1)))"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after the flood"
log "$(status_json | python3 -c 'import json,sys; print(" ".join(f"{k}={v}" for k, v in json.load(sys.stdin).items() if k.startswith("act-")))')"
pass "flood of $sent datagrams: up, flat memory, activations kept working, every datagram counted"

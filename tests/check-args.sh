#!/bin/bash
# SPDX-License-Identifier: ISC
# vpnd check's options and conf handling (kg-check stands for `vpnd check`).
# What it finds on a real host is tested in tests/netns/check.sh.
set -uo pipefail
check=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fails=0
# expect STATUS PATTERN ARGS...: exit status and a pattern in stdout+stderr.
expect() {
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$check" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
		echo "FAIL: check $*: exit $rc (want $want), output: $out" >&2
		fails=$((fails + 1))
	fi
}

expect 0 'Usage: vpnd check' --help
expect 2 "invalid address '10.77.0.300' at --address" --address 10.77.0.300
expect 2 "invalid port '70000' at --port" --address 10.77.0.1 --port 70000
expect 2 "unexpected argument 'extra'" --address 10.77.0.1 extra
expect 1 "cannot read $tmp/none.conf" -c "$tmp/none.conf"

printf '[Interface]\nPrivateKey = x\n[Peer]\nAddress = 10.77.0.1/24\n' >"$tmp/noaddr.conf"
expect 1 "no Address in \[Interface\] of $tmp/noaddr.conf" -c "$tmp/noaddr.conf"

printf '[Interface]\nAddress = 10.77.0.1/24\nMailPorts = 587, x\n' >"$tmp/badport.conf"
expect 1 "invalid port 'x' at $tmp/badport.conf:3" -c "$tmp/badport.conf"
printf '[Interface]\n# a comment\nAddress = 10.77.0.1/24, fd77::1/64 # tunnel\n' >"$tmp/good.conf"

# A real run over this host's sockets: whatever it finds, the JSON parses.
for args in "-c $tmp/good.conf" "--address 10.77.0.1 --procfs"; do
	# shellcheck disable=SC2086
	"$check" $args --json >"$tmp/out.json" 2>/dev/null
	rc=$?
	if [ "$rc" -gt 1 ] || ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["exposed"], list)' "$tmp/out.json"; then
		echo "FAIL: check $args --json: exit $rc, output: $(cat "$tmp/out.json")" >&2
		fails=$((fails + 1))
	fi
done

[ "$fails" -eq 0 ] && echo "check-args: all passed"
exit $((fails > 0))

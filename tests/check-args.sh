#!/bin/bash
# SPDX-License-Identifier: ISC
# vpnd check's options and conf handling .
# What it finds on a real host is tested in tests/netns/check.sh.
set -uo pipefail
vpnd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fails=0
# expect STATUS PATTERN ARGS...: exit status and a pattern in stdout+stderr.
expect() {
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$vpnd" check "$@" 2>&1)
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

# conf FILE ADDRESS-LINE [LINE]: a vpnd.conf in $tmp.
conf() {
	printf '[Interface]\nName = wg0\n%s\nPrivateKey = %s\nEndpoint = 192.0.2.1:51820\n%s\n' \
		"$2" yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= "${3:-}" >"$tmp/$1"
}
conf noaddr.conf ""
expect 1 "$tmp/noaddr.conf: \[Interface\] needs Name, Address and Endpoint" -c "$tmp/noaddr.conf"
conf badport.conf "Address = 10.77.0.1/24" "MailPorts = 587, x"
expect 1 "invalid mail port 'x' at $tmp/badport.conf:6" -c "$tmp/badport.conf"
conf good.conf "Address = 10.77.0.1/24, fd77::1/64 # tunnel" "MailPorts = 587"

# A real run over this host's sockets: whatever it finds, the JSON parses.
for args in "-c $tmp/good.conf" "--address 10.77.0.1 --procfs"; do
	# shellcheck disable=SC2086
	"$vpnd" check $args --json >"$tmp/out.json" 2>/dev/null
	rc=$?
	if [ "$rc" -gt 1 ] || ! python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["exposed"], list)' "$tmp/out.json"; then
		echo "FAIL: check $args --json: exit $rc, output: $(cat "$tmp/out.json")" >&2
		fails=$((fails + 1))
	fi
done

# Dovecot asking vpnd without failing closed: a warning, not a failure.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nprintf "auth_policy_server_url = http://127.0.0.1:8790/\\n%%s" "$DOVE_EXTRA"\n' \
	>"$tmp/bin/doveconf"
chmod +x "$tmp/bin/doveconf"
export DOVE_EXTRA=""
# (Whatever this host listens on: the status is not what is tested here.)
out=$(PATH="$tmp/bin:$PATH" "$vpnd" check --address 10.77.0.1 --procfs 2>&1)
if ! grep -q "warning: dovecot asks http://127.0.0.1:8790/ .*auth_policy_reject_on_fail = yes" <<<"$out"; then
	echo "FAIL: check did not warn of Dovecot without reject_on_fail: $out" >&2
	fails=$((fails + 1))
fi
out=$(DOVE_EXTRA="auth_policy_reject_on_fail = yes" PATH="$tmp/bin:$PATH" "$vpnd" check \
	--address 10.77.0.1 --procfs 2>&1)
if grep -q "dovecot asks" <<<"$out"; then
	echo "FAIL: check warned with auth_policy_reject_on_fail = yes: $out" >&2
	fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] && echo "check-args: all passed"
exit $((fails > 0))

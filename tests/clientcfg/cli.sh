#!/bin/bash
# SPDX-License-Identifier: ISC
# clientcfg's command line without a gateway: usage errors exit 2, refused
# operations exit 1, each with one line on stderr, and nothing is written.
set -uo pipefail
CLIENTCFG=${CLIENTCFG:?}
tmp=$(mktemp -d /tmp/keygate-clientcfg-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect CODE PATTERN ARGS...: exit status, and stderr's first line matches.
expect() {
	local code=$1 pattern=$2 rc lines
	shift 2
	"$CLIENTCFG" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	[ "$rc" -eq "$code" ] || fail "clientcfg $*: exit $rc, want $code: $(cat "$tmp/err")"
	grep -q -- "$pattern" "$tmp/err" || fail "clientcfg $*: stderr '$(cat "$tmp/err")' lacks '$pattern'"
	lines=$(grep -c -v "^Try 'clientcfg --help'" "$tmp/err")
	[ "$lines" -eq 1 ] || fail "clientcfg $*: $lines lines on stderr: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "clientcfg $*: wrote to stdout"
}

"$CLIENTCFG" --help | grep -q -- '--owner USER' || fail "--help"

expect 2 "--owner USER is required" phone
expect 2 "no peer NAME given" --owner alice
expect 2 "invalid peer name 'a b'" 'a b' --owner alice
expect 2 "invalid owner 'al ice'" phone --owner 'al ice'
# vpnd's rule: at most 32, starting with a letter or digit.
expect 2 "invalid peer name '$(printf 'p%.0s' {1..33})': expected 1..32" \
	"$(printf 'p%.0s' {1..33})" --owner alice
expect 2 "invalid owner '.alice'" phone --owner .alice
expect 2 "invalid --address '10.77.0.5/24'" phone --owner alice --address 10.77.0.5/24
expect 2 "invalid --address 'nope'" phone --owner alice --address nope
expect 2 "invalid --format 'jpeg'" phone --owner alice --format jpeg
expect 2 "invalid --dns entry 'bad_name'" phone --owner alice --dns 10.0.0.1,bad_name
expect 2 "invalid --keepalive '70000'" phone --owner alice --keepalive 70000
expect 2 "invalid --mtu '100'" phone --owner alice --mtu 100
expect 2 "invalid --endpoint 'host'" phone --owner alice --endpoint host
expect 2 "exclude each other" phone --owner alice --full-tunnel --allowed-ips 10.0.0.0/8
expect 2 "unexpected argument 'extra'" phone extra --owner alice

# An existing file is refused before anything else happens, and kept.
echo keep >"$tmp/phone.conf"
expect 1 "$tmp/phone.conf: already exists (use --force to replace it)" \
	phone --owner alice -c /nonexistent/vpnd.conf -o "$tmp/phone.conf"
[ "$(cat "$tmp/phone.conf")" = keep ] || fail "the existing file was changed"
expect 1 "$tmp: Is a directory" phone --owner alice --force -o "$tmp"
expect 1 "/nonexistent-dir/phone.png: No such file or directory" \
	phone --owner alice -o /nonexistent-dir/phone.png

# A failure after the output was opened leaves no file and no temporary.
expect 1 "/nonexistent/vpnd.conf" phone --owner alice -c /nonexistent/vpnd.conf -o "$tmp/new.png"
[ "$(ls -A "$tmp" | sort | tr '\n' ' ')" = "err out phone.conf " ] ||
	fail "files left behind: $(ls -A "$tmp")"
echo "PASS: clientcfg command line"

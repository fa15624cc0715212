#!/bin/bash
# SPDX-License-Identifier: ISC
# clientcfg against a real vpnd, refused: an unknown owner, a name already
# taken, vpnd not running, an output path that exists, a config that does
# not fit a terminal QR code after the peer was registered. Each gives one
# line on stderr and exit 1, and leaves nothing behind: no output file, no
# temporary file, no peer registered with vpnd.
. "$(dirname "$0")/vpnd-lib.sh"
CLIENTCFG=${CLIENTCFG:-$BUILD/clientcfg/clientcfg}
vpnd_setup
vpnd_start
must vpnd_cmd owner add alice
OUT=$NET_TMP/out
mkdir "$OUT"

peers() { vpnd_cmd peer list --json | python3 -c 'import json, sys; print(" ".join(p["name"] for p in json.load(sys.stdin)))'; }

# refused PATTERN ARGS...: exit 1, one line on stderr matching PATTERN.
refused() {
	local pattern=$1 rc lines
	shift
	"$CLIENTCFG" -c "$CONF" "$@" >"$NET_TMP/stdout" 2>"$NET_TMP/err" </dev/null
	rc=$?
	[ "$rc" -eq 1 ] || fail "clientcfg $*: exit $rc, want 1: $(cat "$NET_TMP/err")"
	lines=$(wc -l <"$NET_TMP/err")
	[ "$lines" -eq 1 ] || fail "clientcfg $*: $lines lines on stderr: $(cat "$NET_TMP/err")"
	grep -q -- "$pattern" "$NET_TMP/err" || fail "clientcfg $*: '$(cat "$NET_TMP/err")' lacks '$pattern'"
	[ ! -s "$NET_TMP/stdout" ] || fail "clientcfg $*: wrote to stdout"
	log "refused: $(cat "$NET_TMP/err")"
}

# The output folder holds only what the successful run and the test wrote.
no_leftovers() {
	[ "$(ls -A "$OUT" | sort | tr '\n' ' ')" = "phone.png taken.conf " ] ||
		fail "files left behind: $(ls -A "$OUT")"
}

must "$CLIENTCFG" -c "$CONF" phone --owner alice -o "$OUT/phone.png" 2>/dev/null
[ "$(peers)" = phone ] || fail "peers after the first phone: $(peers)"

refused "no owner named 'bob'" phone2 --owner bob -o "$OUT/phone2.png"
refused "peer 'phone' exists already" phone --owner alice -o "$OUT/again.png"
echo keep >"$OUT/taken.conf"
refused "$OUT/taken.conf: already exists" phone3 --owner alice -o "$OUT/taken.conf"
[ "$(cat "$OUT/taken.conf")" = keep ] || fail "the existing output file was changed"
# Registered, then the QR code does not fit 80 columns: the peer goes again.
many=$(seq 1 24 | sed 's/.*/fd77:&::\/64/' | paste -sd,)
refused "png or svg" phone4 --owner alice --format qr --allowed-ips "$many" -o "$OUT/phone4.txt"
grep -q 'event=peer-add peer=phone4 ' "$NET_TMP/vpnd.log" &&
	grep -q 'event=peer-remove peer=phone4 ' "$NET_TMP/vpnd.log" ||
	fail "phone4 was not registered and removed again: $(grep phone4 "$NET_TMP/vpnd.log")"
refused "address 10.99.0.5/32 is outside the tunnel network" \
	phone5 --owner alice --address 10.99.0.5 -o "$OUT/phone5.png"
[ "$(peers)" = phone ] || fail "peers left registered: $(peers)"
no_leftovers

vpnd_stop
refused "is \`vpnd run\` running?" phone6 --owner alice -o "$OUT/phone6.png"
no_leftovers
vpnd_start
[ "$(peers)" = phone ] || fail "peers after the restart: $(peers)"
pass "bad input: one line, exit 1, nothing written, nothing registered"

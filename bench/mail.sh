#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Mail login decisions through vpnd's Dovecot policy endpoint (root): a
# gateway namespace with vpnd over wireguard-go, [Mail] DovecotPolicy on
# loopback, OWNERS owners each with a peer and an open session, and
# build/bench/bench-mail against the endpoint as Dovecot asks it. The
# network child serves it on its one thread (one core).
#   bench/mail.sh [--quick] [BUILD]   (or BENCH_QUICK=1): fewer owners,
#   shorter rounds, no target held
set -uo pipefail
cd "$(dirname "$0")/.."
QUICK=${BENCH_QUICK:-0}
[ "${1:-}" = --quick ] && { QUICK=1; shift; }
BUILD=${1:-${BUILD:-build}}
BUILD=$(cd "$BUILD" && pwd)
export BUILD SRC=$PWD TEST_NAME=bench-mail
. tests/netns/vpnd-lib.sh
OWNERS=200 PORT=8790
[ "$QUICK" = 1 ] && OWNERS=20

vpnd_setup
cat >>"$CONF" <<CONF

[Mail]
Domains = example.org
DovecotPolicy = 127.0.0.1:$PORT
CONF
vpnd_start
for ((i = 0; i < OWNERS; i++)); do
	pub=$(wg genkey | wg pubkey)
	must vpnd_cmd peer add "p$i" --owner "owner$i" --public-key "$pub" \
		--address "10.77.$(((2 + i) / 256)).$(((2 + i) % 256))" --no-enroll >/dev/null
	must vpnd_cmd peer enable "p$i"
	must vpnd_cmd session open "p$i" >/dev/null
done
vpnd_cmd status | grep -q "^mail-sessions: *$OWNERS\$" ||
	fail "the mail table should hold $OWNERS sessions: $(vpnd_cmd status | grep mail-)"
out=$(in_ns gw "$BUILD/bench/bench-mail" $([ "$QUICK" = 1 ] && echo --quick) 127.0.0.1 "$PORT" \
	"$OWNERS") || fail "bench-mail failed: $out"
printf '%s\n' "$out"
pass "bench: mail policy decisions with $OWNERS sessions"

#!/bin/bash
# SPDX-License-Identifier: ISC
# Garbage on the control socket, a truncated registry, a config with a bad
# line: one clear error each, no crash, nothing lost.
. "$(dirname "$0")/vpnd-lib.sh"
vpnd_setup
vpnd_start
must vpnd_cmd peer add laptop --owner alice --public-key "$LAPTOP_PUB" --address 10.77.0.2 >/dev/null
must vpnd_cmd peer add phone --owner alice --mobile --no-enroll >/dev/null

# Garbage: binary, an unknown request, a bad option, a huge line, nothing.
python3 - "$NET_TMP/run/vpnd.sock" <<'PY' || fail "control socket: $(cat "$NET_TMP/vpnd.log" | tail -5)"
import os, socket, sys
def ask(data, shut=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass  # vpnd answered an early newline and hung up
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            # vpnd answered and hung up while we were still sending.
            return b"error (reset)\n"
        if not b:
            break
        out += b
    s.close()
    return out
for req in [os.urandom(300), b"\x00\x01\x02\n", b"frobnicate now\n", b"peer add x owner=a owner=b\n",
            b"peer add x owner=%zz\n", b"owner=alice\n", b"session open\n", b"peer show nobody\n", b"A" * 100000,
            b"", b"peer add " + b"x" * 5000 + b"\n", b"status\n" * 3]:
    out = ask(req)
    if req == b"":
        assert out in (b"",) or out.startswith(b"error "), out
        continue
    if req.startswith(b"status"):
        assert out.endswith(b"ok\n"), out
        continue
    assert out.startswith(b"error ") and out.endswith(b"\n") and out.count(b"\n") == 1, (req[:40], out)
PY
must vpnd_cmd status >/dev/null
kill -0 "$VPND_PID" || fail "vpnd died on garbage"

# Silent clients, more than the 32 vpnd serves at once, must not lock the
# admin out: vpnd hangs up on each within its 5 s timeout and answers again.
python3 - "$NET_TMP/run/vpnd.sock" "$VPND" "$CONF" <<'PY' || fail "silent clients: $(tail -5 "$NET_TMP/vpnd.log")"
import socket, subprocess, sys, time
silent = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    silent.append(s)
time.sleep(0.5)
start = time.monotonic()
while subprocess.run([sys.argv[2], "status", "-c", sys.argv[3]], capture_output=True).returncode != 0:
    assert time.monotonic() - start < 10, "vpnd still locked out after 10 s of silent clients"
    time.sleep(0.2)
for s in silent[:32]:
    s.settimeout(2)
    try:
        assert s.recv(100) == b"", "a silent client got an answer"
    except ConnectionResetError:
        pass
PY
grep -q 'event=refused .*reason="no request within the timeout"' "$NET_TMP/vpnd.log" ||
	fail "silent clients are not audited"
grep -q 'event=refused' "$NET_TMP/vpnd.log" || fail "refused requests are not audited"

# Usage errors exit 2, refusals 1 with one line.
vpnd_cmd peer add 2>/dev/null; [ $? = 2 ] || fail "peer add without NAME did not exit 2"
vpnd_cmd peer frob 2>/dev/null; [ $? = 2 ] || fail "unknown subcommand did not exit 2"
vpnd_cmd peer show nobody 2>"$NET_TMP/err"; [ $? = 1 ] || fail "show of a missing peer did not exit 1"
[ "$(cat "$NET_TMP/err")" = "vpnd: no peer named 'nobody'" ] || fail "unclear: $(cat "$NET_TMP/err")"
vpnd_cmd peer add x --owner alice --window 10x 2>"$NET_TMP/err"; [ $? = 1 ] || fail "bad window accepted"
grep -q "invalid window '10x'" "$NET_TMP/err" || fail "unclear: $(cat "$NET_TMP/err")"
# A peer add that fails leaves no new owner behind.
vpnd_cmd peer add y --owner carol --address 10.77.0.2 2>"$NET_TMP/err"; [ $? = 1 ] || fail "a taken address was accepted"
grep -q "address 10.77.0.2 is taken" "$NET_TMP/err" || fail "unclear: $(cat "$NET_TMP/err")"
vpnd_cmd peer add y --owner carol --public-key "$LAPTOP_PUB" 2>/dev/null && fail "a taken key was accepted"
vpnd_cmd owner list | grep -qw carol && fail "a failed peer add left owner carol behind"
grep -q 'event=owner-add owner=carol' "$NET_TMP/vpnd.log" && fail "a failed peer add audited owner-add"

# A truncated registry: vpnd refuses to start, names the file, keeps it.
vpnd_stop TERM
cp "$STATE/peers" "$NET_TMP/peers.orig"
head -c "$(($(stat -c %s "$STATE/peers") - 20))" "$NET_TMP/peers.orig" >"$STATE/peers"
cp "$STATE/peers" "$NET_TMP/peers.cut"
in_ns gw "$VPND" run -c "$CONF" 2>"$NET_TMP/err" && fail "vpnd started on a truncated registry"
grep -q "corrupt registry, refusing it: $STATE/peers:[0-9]*: .*truncated" "$NET_TMP/err" ||
	fail "unclear: $(cat "$NET_TMP/err")"
cmp -s "$STATE/peers" "$NET_TMP/peers.cut" || fail "the truncated registry was rewritten"
cp "$NET_TMP/peers.orig" "$STATE/peers"

# A config with a bad line: refused with file, line and value.
cp "$CONF" "$NET_TMP/conf.orig"
sed -i 's/^Window = .*/Window = 10x/' "$CONF"
line=$(grep -n '^Window' "$CONF" | cut -d: -f1)
in_ns gw "$VPND" run -c "$CONF" 2>"$NET_TMP/err" && fail "vpnd started with a bad config"
[ "$(cat "$NET_TMP/err")" = "vpnd: invalid window '10x' at $CONF:$line: expected a number with s, m, h or d" ] ||
	fail "unclear: $(cat "$NET_TMP/err")"
# SIGHUP with a bad config keeps the running one.
cp "$NET_TMP/conf.orig" "$CONF"
vpnd_start
sed -i 's/^Window = .*/Window = 10x/' "$CONF"
kill -HUP "$VPND_PID"
wait_for 3 grep -q "reload: invalid window" "$NET_TMP/vpnd.log" || fail "bad reload not logged"
kill -0 "$VPND_PID" || fail "vpnd died on a bad reload"
# The admin commands read CONF too, and say what is wrong with it.
vpnd_cmd status 2>"$NET_TMP/err" && fail "status worked with a bad CONF"
grep -q "invalid window '10x'" "$NET_TMP/err" || fail "unclear: $(cat "$NET_TMP/err")"
cp "$NET_TMP/conf.orig" "$CONF"
must vpnd_cmd status >/dev/null
[ "$(vpnd_cmd peer list | tail -n +2 | wc -l)" = 2 ] || fail "the registry changed on a bad reload"
pass "garbage, truncated registry and bad config give clear errors"

#!/bin/bash
# SPDX-License-Identifier: ISC
# enroll watch against a real session bus (dbus-daemon) with a recording
# notification server (notifyd.py), both running as an ordinary user while
# watch runs as root through "sudo" (SUDO_UID): notices reach that user's
# bus. A notice comes --before the window ends, saying when and that a
# touch extends it; the touch extends the window (the gateway logs an
# extension); untouched, the window ends and a notice says so; the admin
# ending it, an idle end and revoking the key each get a notice naming the
# reason. No
# bus, no notification service: one line and exit 1 at start; a service
# gone while watching: one line, and watch goes on.
. "$(dirname "$0")/activation-lib.sh"
command -v dbus-daemon >/dev/null || fail "dbus-daemon not installed (package dbus)"
/usr/bin/python3 -c 'import dbus, gi' 2>/dev/null || fail "python3-dbus and python3-gi are needed"
act_setup
softkey_start key1 --pin "$PIN" --touch-delay 1500

# The user's session: a bus and a notification server, as nobody.
USER_UID=$(id -u nobody)
USER_GID=$(id -g nobody)
SESSION=/tmp/keygate-watch-$RUN_ID
on_cleanup 'rm -rf "$SESSION"'
mkdir -m 0755 "$SESSION" && chown nobody "$SESSION" || fail "cannot make $SESSION"
BUS=unix:path=$SESSION/bus
NOTICES=$SESSION/notices.log
setpriv --reuid="$USER_UID" --regid="$USER_GID" --clear-groups dbus-daemon --session \
	--address="$BUS" --nofork >"$NET_TMP/dbus.log" 2>&1 &
NET_PIDS+=($!)
wait_for 5 test -S "$SESSION/bus" || fail "dbus-daemon did not start: $(cat "$NET_TMP/dbus.log")"
notifyd_start() {
	# Not through a shell function: $! must be notifyd itself.
	setpriv --reuid="$USER_UID" --regid="$USER_GID" --clear-groups env \
		DBUS_SESSION_BUS_ADDRESS="$BUS" /usr/bin/python3 "$SRC/tests/netns/notifyd.py" \
		"$NOTICES" >"$NET_TMP/notifyd.out" 2>&1 &
	NOTIFYD_PID=$!
	NET_PIDS+=($!)
	wait_for 5 grep -q ready "$NET_TMP/notifyd.out" || fail "notifyd did not start: $(cat "$NET_TMP/notifyd.out")"
}

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2 --window 14s) ||
	fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null

# watch_as_root ADDRESS ARGS...: enroll watch as sudo would start it.
watch_as_root() {
	local addr=$1
	shift
	in_ns laptop env SUDO_UID="$USER_UID" SUDO_GID="$USER_GID" DBUS_SESSION_BUS_ADDRESS="$addr" \
		"$ENROLL" watch "$@" --config-dir "$WGDIR" --device "unix:$NET_TMP/key1.sock" \
		--timeout 500 --tries 4
}
# start_fails PATTERN ADDRESS: exits 1 at once with one line.
start_fails() {
	local out rc
	out=$(timeout 15 bash -c "$(declare -f watch_as_root in_ns ns_name); RUN_ID=$RUN_ID \
		USER_UID=$USER_UID USER_GID=$USER_GID ENROLL=$ENROLL WGDIR=$WGDIR NET_TMP=$NET_TMP \
		watch_as_root '$2' --every 1s" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 1 ] || fail "watch with $2 exited $rc, not 1: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "$1" || fail "watch with $2 said: $out"
	log "watch refused to start: $out"
}
start_fails "no session bus at 'unix:path=$SESSION/none'" "unix:path=$SESSION/none"
start_fails "no notification service on the session bus" "$BUS"

notifyd_start
watch_as_root "$BUS" --before 8s --every 1s --pin-fd 3 3<<<"$PIN" >"$NET_TMP/watch.out" \
	2>"$NET_TMP/watch.err" &
WATCH_PID=$!
NET_PIDS+=($!)
notices() { grep -c "$1" "$NOTICES" 2>/dev/null; }
has_notice() { [ "$(notices "$1")" -ge "${2:-1}" ]; }
notice_field() { grep "$1" "$NOTICES" | tail -n 1 | /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$2'])"; }

# Before the end: the notice, then the touch (1.5 s later) extends.
wait_for 15 has_notice '"summary": "keygate: '"$LIF"' ends at' ||
	fail "no notice before the window ended: $(cat "$NOTICES" "$NET_TMP/watch.err" 2>/dev/null)"
body=$(notice_field 'ends at' body)
echo "$body" | grep -q "^The session of laptop ends at [0-9:]* (in [0-9]*s)\. Touch your security key to extend it\.$" ||
	fail "the notice before the end said: $body"
[ "$(notice_field 'ends at' urgency)" = 2 ] && [ "$(notice_field 'ends at' app)" = keygate ] ||
	fail "the notice before the end is not urgent or not keygate's: $(grep 'ends at' "$NOTICES")"
wait_for 10 has_notice '"summary": "keygate: '"$LIF"' extended"' ||
	fail "the touch did not extend: $(cat "$NOTICES" "$NET_TMP/watch.err")"
notice_field 'extended' body | grep -q "^laptop is active until [0-9:]* ([0-9]*s left)\.$" ||
	fail "the extension notice said: $(notice_field extended body)"
grep -q "event=session-extend peer=laptop owner=alice" "$NET_TMP/vpnd.log" ||
	fail "the gateway logged no extension"
can_ping laptop 10.77.0.1 || fail "no ping after the extension"
log "notice before the end, then a touch extended: $(notice_field extended body)"

# Nobody touches: the window ends and a notice says so.
softkey_restart key1 --pin "$PIN" --presence no --touch-timeout 1000
wait_for 40 has_notice "session ended" || fail "no notice when the window ended: $(cat "$NOTICES")"
notice_field 'session ended' body | grep -q "^The session of laptop ended: window ended\." ||
	fail "the end notice said: $(notice_field 'session ended' body)"
has_notice 'ends at' 2 || fail "no second notice before the end"
log "untouched: $(notice_field 'session ended' body)"

# The admin ends it.
softkey_restart key1 --pin "$PIN"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
sleep 3 # watch (every 1 s, each query its own time) sees it live
must vpnd_cmd session kill laptop >/dev/null
wait_for 10 has_notice "ended: ended by admin" || fail "no notice when the admin ended it: $(cat "$NOTICES")"

# The notification service goes away: one line, and watch carries on.
kill "$NOTIFYD_PID"
wait "$NOTIFYD_PID" 2>/dev/null
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
sleep 3 # watch (every 1 s, each query its own time) sees it live
must vpnd_cmd session kill laptop >/dev/null
wait_for 10 grep -q "no notification service on the session bus" "$NET_TMP/watch.err" ||
	fail "watch said nothing when the notices could not be posted: $(tail -n 3 "$NET_TMP/watch.err"; tail -n 8 "$NET_TMP/watch.out")"
[ "$(grep -c "no notification service" "$NET_TMP/watch.err")" = 1 ] ||
	fail "watch said it more than once: $(cat "$NET_TMP/watch.err")"
kill -0 "$WATCH_PID" 2>/dev/null || fail "watch died without its notification service"
grep -q "^notice: keygate: $LIF session ended: .*ended by admin" "$NET_TMP/watch.out" ||
	fail "watch did not print the notice it could not post: $(cat "$NET_TMP/watch.out")"

# Back; idle: no handshake for 3 s ends it (the notice before comes too,
# the idle end being the nearer; nobody touches), and the notice says so.
notifyd_start
must vpnd_cmd owner set alice --idle 3s >/dev/null
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
softkey_restart key1 --pin "$PIN" --presence no --touch-timeout 1000
wait_for 20 has_notice "ended after being idle for 3s" ||
	fail "no notice for the idle end: $(tail -n 3 "$NOTICES")"
must vpnd_cmd owner set alice --idle 1h >/dev/null
softkey_restart key1 --pin "$PIN"

# The key is revoked.
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
sleep 3 # watch (every 1 s, each query its own time) sees it live
key=$(vpnd_cmd key list alice --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
must vpnd_cmd key revoke alice "$key" >/dev/null
wait_for 10 has_notice "ended: revoked by admin" || fail "no notice for the revocation: $(cat "$NOTICES")"
kill "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
pass "watch: notice before the end, touch extends; window end, admin, idle, revocation noticed; no bus, no service: one line"

#!/bin/bash
# SPDX-License-Identifier: ISC
# `enroll up` inside a window extends it without disturbing the tunnel: an
# IMAP IDLE connection to dovecot opened before the extension gets the mail
# delivered after it, on the same connection; a ping running across it
# loses nothing; the laptop's WireGuard keys (its last handshake) are the
# same before and after. Then the new session key is in use: after a
# fresh handshake both ends hold the new PSK and traffic passes.
. "$(dirname "$0")/activation-lib.sh"
. "$SRC/tests/netns/dovecot.sh"
command -v dovecot >/dev/null || fail "dovecot not installed (scripts/install-deps test)"
act_setup
softkey_start key1 --pin "$PIN"
dovecot_start gw mail 10.77.0.1
mail_deliver mail "before the extension"

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2 --window 10m) ||
	fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
wait_for 3 can_ping laptop 10.77.0.1 || fail "no ping after up"
mail_client laptop mail imap 10.77.0.1 --expect-subject "before the extension" >/dev/null ||
	fail "no IMAP through the tunnel"

# The IDLE connection, then a ping every 0.1 s across the extension.
dir=$(dovecot_dir mail)
in_ns laptop "$(mail_python)" "$SRC/tests/netns/imapidle.py" 10.77.0.1 --user "$DOVECOT_USER" \
	--password-file "$dir/password" --wait 40 >"$NET_TMP/idle.out" 2>&1 &
IDLE_PID=$!
NET_PIDS+=("$IDLE_PID")
wait_for 10 grep -q '^idling' "$NET_TMP/idle.out" || fail "IDLE did not start: $(cat "$NET_TMP/idle.out")"
in_ns laptop ping -n -i 0.1 -c 60 -W 1 10.77.0.1 >"$NET_TMP/ping.out" 2>&1 &
PING_PID=$!
NET_PIDS+=("$PING_PID")
lpub=$(laptop_pub)
hs_before=$(in_ns laptop wg show "$LIF" latest-handshakes | awk '{ print $2 }')
psk_before=$(gw_psk_of "$lpub")
sleep 1.5

out=$(enroll_as key1 "$PIN" -- up "$LIF") || fail "the extension failed: $out"
echo "$out" | grep -q "is active until" || fail "the extension said: $out"
echo "$out" | grep -q "window was extended; the tunnel stayed up" ||
	fail "up inside the window did not see it as an extension: $out"
grep -q "event=session-extend peer=laptop owner=alice" "$NET_TMP/vpnd.log" ||
	fail "the gateway logged no extension"
psk_after=$(gw_psk_of "$lpub")
[ "$psk_after" != "$psk_before" ] || fail "the extension kept the old PSK at the gateway"
[ "$(in_ns laptop wg show "$LIF" preshared-keys | awk '{ print $2 }')" = "$psk_after" ] ||
	fail "the laptop does not hold the gateway's new PSK"
hs_after=$(in_ns laptop wg show "$LIF" latest-handshakes | awk '{ print $2 }')
[ "$hs_after" = "$hs_before" ] ||
	fail "the extension made a new handshake ($hs_before -> $hs_after): the tunnel's keys were dropped"

# Mail after the extension reaches the connection opened before it.
sleep 1
mail_deliver mail "after the extension"
wait "$IDLE_PID"
rc=$?
[ "$rc" = 0 ] || fail "the IDLE connection: $(cat "$NET_TMP/idle.out")"
grep -q '^new mail: after the extension$' "$NET_TMP/idle.out" ||
	fail "the IDLE connection said: $(cat "$NET_TMP/idle.out")"
wait "$PING_PID"
grep -q '60 packets transmitted, 60 received, 0% packet loss' "$NET_TMP/ping.out" ||
	fail "the ping across the extension lost packets: $(tail -n 3 "$NET_TMP/ping.out")"
log "IDLE: $(tail -n 1 "$NET_TMP/idle.out"); ping: $(grep -o '[0-9]* received' "$NET_TMP/ping.out") of 60"

# The new PSK is the one in use: a fresh handshake (the laptop re-adds its
# peer, forgetting its keys) works with it.
conf_peer=$(in_ns laptop wg show "$LIF" endpoints | awk '{ print $1, $2 }')
read -r gwpub ep <<<"$conf_peer"
in_ns laptop wg set "$LIF" peer "$gwpub" remove
printf '%s\n' "$psk_after" >"$NET_TMP/psk"
in_ns laptop wg set "$LIF" peer "$gwpub" endpoint "$ep" allowed-ips 10.77.0.1/32 \
	preshared-key "$NET_TMP/psk"
wait_for 8 can_ping laptop 10.77.0.1 || fail "no handshake with the new PSK"
must in_ns laptop "$ENROLL" down "$LIF" --config-dir "$WGDIR" >/dev/null
pass "up inside the window: extended, same keys, IMAP IDLE kept (mail after it arrived), 60/60 pings"

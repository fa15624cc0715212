#!/bin/bash
# SPDX-License-Identifier: ISC
# [Web] Domain is the rp ID of new credentials, those `enroll register`
# makes too, so that one key serves enroll and the browser; a key enrolled
# before [Web] was set keeps working for enroll.
. "$(dirname "$0")/activation-lib.sh"
act_setup
softkey_start key1 --pin "$PIN"
softkey_start key2 --pin "$PIN"

uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
case $uri in *rp=*) fail "an rp ID in the URI without [Web]: $uri" ;; esac
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
grep -q '^rp-id *= *keygate' "$WGDIR/$LIF.keygate" 2>/dev/null ||
	grep -rq 'keygate' "$WGDIR" || fail "enroll kept no rp ID"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
must enroll_as key1 "$PIN" -- down "$LIF" >/dev/null

# [Web] on: a restart with the section.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$NET_TMP/web.key" -out "$NET_TMP/web.crt" -subj /CN=gw.example.test 2>/dev/null
printf '\n[Web]\nDomain = gw.example.test\nListen = 192.0.2.1:8443\nCertificate = %s\nKey = %s\n' \
	"$NET_TMP/web.crt" "$NET_TMP/web.key" >>"$CONF"
vpnd_stop
vpnd_start

# One address holds at most 8 of the page's 48 connections: the laptop's
# ninth is closed at once, while another address is still served.
cat >"$NET_TMP/hold.py" <<'EOP'
import socket, sys, time
held = [socket.create_connection(("192.0.2.1", 8443), timeout=3) for _ in range(8)]
time.sleep(0.3)
s = socket.create_connection(("192.0.2.1", 8443), timeout=3)
try:
    d = s.recv(1)
except ConnectionResetError:
    d = b""
except socket.timeout:
    d = None
print("refused" if d == b"" else "served", flush=True)
time.sleep(20)
EOP
bg_ns laptop hold /usr/bin/python3 "$NET_TMP/hold.py" >/dev/null
wait_for 10 grep -q . "$NET_TMP/hold.log" || fail "the connection holder printed nothing"
grep -qx refused "$NET_TMP/hold.log" || fail "a ninth connection from one address was served: $(cat "$NET_TMP/hold.log")"
in_ns gw curl -sk -o /dev/null --max-time 5 https://192.0.2.1:8443/ ||
	fail "another address was not served while the laptop held its 8 connections"
kill "${NET_PIDS[-1]}" 2>/dev/null
log "one address gets 8 connections, others are still served"

# The old key, under the old rp ID, still opens the laptop.
out=$(enroll_as key1 "$PIN" -- up "$LIF") || fail "the key enrolled before [Web] no longer works: $out"
must enroll_as key1 "$PIN" -- down "$LIF" >/dev/null
log "a key enrolled under the old rp ID works after [Web]"

# A new one is made for the domain: the URI says so, enroll keeps it.
uri=$(vpnd_cmd peer add laptop2 --owner bob --address 10.77.0.3 | head -n 1) || fail "peer add failed"
case $uri in *rp=gw.example.test*) ;; *) fail "no rp ID in the URI with [Web]: $uri" ;; esac
L2=$(wg_ifname lap2)
in_ns laptop "$ENROLL" register "$uri" --device "unix:$NET_TMP/key2.sock" --config-dir "$WGDIR" \
	--interface "$L2" --timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN" >/dev/null ||
	fail "enroll register with [Web] failed"
grep -rq 'gw.example.test' "$WGDIR/$L2".* || fail "enroll did not keep the domain as rp ID"
out=$(in_ns laptop "$ENROLL" up "$L2" --device "unix:$NET_TMP/key2.sock" --config-dir "$WGDIR" \
	--timeout 500 --tries 4 --pin-fd 3 3<<<"$PIN") || fail "up with a key of the domain failed: $out"
in_ns laptop "$ENROLL" down "$L2" --config-dir "$WGDIR" >/dev/null 2>&1
rm -f "/var/run/wireguard/$L2.sock" "/var/run/wireguard/$L2.name"
pass "the rp ID follows [Web] Domain; old keys keep working"

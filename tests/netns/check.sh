#!/bin/bash
# SPDX-License-Identifier: ISC
# vpnd check against a real dovecot: on 0.0.0.0/:: it names every mail
# listener with its fix and exits 1; on the tunnel addresses (plus loopback)
# only, with vpnd's table in place, it exits 0. A veth to a second namespace stands for the tunnel (no
# dummy links on every kernel); the check only looks at addresses.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
net_init
ns_add gw
ns_add peer
ns_add internet
veth_pair gw 10.77.0.1/24 peer 10.77.0.2/24
veth_pair gw 192.0.2.1/24 internet 192.0.2.2/24
tun_if=$(in_ns gw ip -o -4 addr show to 10.77.0.1/32 | awk '{print $2}')
in_ns gw ip addr add fd77::1/64 dev "$tun_if" nodad || fail "cannot add fd77::1"

CHECK=("$BUILD/vpnd/vpnd" check)
conf=$NET_TMP/vpnd.conf
printf '[Interface]\nName = %s\nAddress = 10.77.0.1/24, fd77::1/64\nPrivateKey = %s\nEndpoint = %s\nMailPorts = 4190\n' \
	"$tun_if" "$(wg genkey)" 192.0.2.1:51820 >"$conf"

# run_check ARGS...: sets $out (stdout and stderr) and $rc.
run_check() {
	out=$(in_ns gw "${CHECK[@]}" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /' >&2
}

log "dovecot on every address: the check must name it"
dovecot_start gw mail '*, ::'
mail_deliver mail "exposed $RUN_ID"
# What the check is about: the internet reaches this mail server.
mail_client internet mail imap 192.0.2.1 --expect-subject "exposed $RUN_ID" >/dev/null ||
	fail "dovecot on 0.0.0.0 should be reachable from the internet namespace"
for how in "-c $conf" "-c $conf --procfs"; do
	# shellcheck disable=SC2086
	run_check $how
	[ "$rc" -eq 1 ] || fail "check $how: exit $rc with dovecot on 0.0.0.0, want 1"
	for port in 143 993 110 995; do
		grep -qxF "dovecot listens on 0.0.0.0:$port; set listen = 10.77.0.1, fd77::1" <<<"$out" ||
			fail "check $how does not name dovecot on 0.0.0.0:$port with its fix"
		grep -qxF "dovecot listens on [::]:$port; set listen = fd77::1, 10.77.0.1" <<<"$out" ||
			fail "check $how does not name dovecot on [::]:$port with its fix"
	done
done
dovecot_stop mail

log "dovecot on the tunnel addresses and loopback only: the check must pass"
dovecot_start gw mail '10.77.0.1, fd77::1, 127.0.0.1'
mail_client peer mail imaps 10.77.0.1 --expect-subject "exposed $RUN_ID" >/dev/null ||
	fail "dovecot on 10.77.0.1 should serve the tunnel side"
mail_none_reachable internet mail 192.0.2.1
# With a conf, check also wants vpnd's table (tests/netns/wall.sh); no vpnd
# runs here, so it is missing until kg-fwtool installs it as vpnd would.
run_check -c "$conf"
[ "$rc" -eq 1 ] || fail "check: exit $rc without table inet keygate, want 1"
grep -qx 'firewall: table inet keygate is missing.*' <<<"$out" ||
	fail "check does not name the missing table"
must in_ns gw "$BUILD/tests/tools/kg-fwtool" --nets 10.77.0.1/24,fd77::1/64 "$tun_if" install
run_check -c "$conf"
[ "$rc" -eq 0 ] || fail "check: exit $rc with dovecot on the tunnel only, want 0"
grep -qx 'ok: table inet keygate is as vpnd installs it' <<<"$out" ||
	fail "check does not report the table as it must be"
grep -q '^ok: 12 mail listeners' <<<"$out" || fail "check should count 12 mail listeners"
run_check --address 10.77.0.1 --address fd77::1
[ "$rc" -eq 0 ] || fail "check --address: exit $rc with dovecot on the tunnel only, want 0"

log "a port named in MailPorts counts too"
bg_ns gw sieve "$(mail_python)" -c 'import socket, time
s = socket.socket(socket.AF_INET6); s.bind(("::", 4190)); s.listen(); time.sleep(60)' >/dev/null
wait_for 5 dovecot_listening gw 4190 || fail "test listener on 4190 did not start"
run_check -c "$conf"
[ "$rc" -eq 1 ] || fail "check: exit $rc with a listener on [::]:4190 and MailPorts = 4190"
grep -qE '^python3(\.[0-9]+)? listens on \[::\]:4190; bind it to fd77::1, 10.77.0.1 only$' <<<"$out" ||
	fail "check does not name the listener on [::]:4190"
run_check --address 10.77.0.1,fd77::1
[ "$rc" -eq 0 ] || fail "check without the conf must not care about port 4190 (exit $rc)"
pass "vpnd check names exposed mail listeners and passes tunnel-only ones"

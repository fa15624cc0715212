#!/bin/bash
# SPDX-License-Identifier: ISC
# Mail logins bound to the tunnel's owner (issue 19, docs/mail.md), with a
# real Dovecot (auth policy) and a real Postfix (submission, policy
# delegation) on the gateway: owners alice and bob, each with a laptop
# (wireguard-go, enroll, softkey); alice's session open, bob's not.
# - from alice's tunnel: IMAP, IMAPS, POP3, POP3S and submission as alice
#   work; as bob, with bob's right password, they are refused, and the
#   audit says why;
# - a login granted to both (`owner set --mail-login`) works from either
#   tunnel, and from the gateway itself (loopback) any login passes;
# - alice's session ends: the policy refuses her logins too;
# - vpnd stopped: Dovecot refuses every login (auth_policy_reject_on_fail).
# The tunnel is dual-stack: a login over alice's IPv6 tunnel address is
# hers as much as over the IPv4 one, and bob's is refused there too.
# A table of 141 sessions, more than one message to the child, works.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
. "$SRC/tests/netns/story.sh"

need vpnd init run peer session owner "run the gateway"
need enroll register up "enroll and activate the laptops"
need softkey --socket "stand in for the security keys"
ENROLL=$(prog enroll)
command -v postfix >/dev/null || fail "postfix not installed (scripts/install-deps)"
command -v nft >/dev/null || fail "nft not installed (package nftables)"
DOVECOT_POLICY=8790

net_init
for h in internet gateway alice bob; do ns_add "$h"; done
veth_pair gateway "$GW_PUB/25" internet 198.51.100.126/25
veth_pair alice 192.0.2.2/25 internet 192.0.2.1/25
veth_pair bob 192.0.2.130/25 internet 192.0.2.129/25
in_ns internet sysctl -qw net.ipv4.ip_forward=1
in_ns gateway ip route add default via 198.51.100.126
in_ns alice ip route add default via 192.0.2.1
in_ns bob ip route add default via 192.0.2.129
GW_IF=$(wg_ifname gw)
wggo_start gateway "$GW_IF"
in_ns gateway ip addr replace "$TUN4/24" dev "$GW_IF"
in_ns gateway ip addr replace fd77::1/64 dev "$GW_IF" nodad
in_ns gateway ip link set "$GW_IF" up

# Dovecot with three accounts (alice, bob, shared), asking vpnd about each
# login and refusing when vpnd does not answer.
dovecot_setup mail
MAILDIR=$(dovecot_dir mail)
: >"$MAILDIR/passwd.all"
for u in alice bob shared; do
	head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$MAILDIR/password.$u"
	chmod 0600 "$MAILDIR/password.$u"
	printf '%s:{PLAIN}%s::::::\n' "$u" "$(cat "$MAILDIR/password.$u")" >>"$MAILDIR/passwd.all"
	mkdir -p "$MAILDIR/home/$u/Maildir/"{new,cur,tmp}
	chown -R nobody:nogroup "$MAILDIR/home/$u"
done
chgrp dovecot "$MAILDIR/passwd.all" && chmod 0640 "$MAILDIR/passwd.all"
dovecot_conf mail "$TUN4, fd77::1, 127.0.0.1"
sed -i "s|$MAILDIR/passwd\$|$MAILDIR/passwd.all|" "$MAILDIR/dovecot.conf"
cat >>"$MAILDIR/dovecot.conf" <<CONF
auth_policy_server_url = http://127.0.0.1:$DOVECOT_POLICY/
auth_policy_hash_nonce = $(head -c 16 /dev/urandom | base64)
auth_policy_reject_on_fail = yes
# Postfix's submission authenticates through this socket.
service auth {
  unix_listener auth-postfix {
    mode = 0666
  }
}
CONF
bg_ns gateway dovecot-mail dovecot -F -c "$MAILDIR/dovecot.conf" >/dev/null
on_cleanup "dovecot -c '$MAILDIR/dovecot.conf' stop"
for port in 143 993 110 995; do
	wait_for 10 dovecot_listening gateway "$port" ||
		fail "dovecot does not listen on $port: $(tail -n 5 "$MAILDIR/dovecot.log")"
done

# Postfix: submission on the tunnel address, SASL through Dovecot, and
# vpnd's policy at RCPT; a policy server that does not answer refuses.
# Beside Dovecot's files: Postfix's own users must reach its queue.
PF=$DOVECOT_ROOT/postfix
mkdir -p "$PF/spool" "$PF/data"
chmod 0755 "$PF"
chown postfix "$PF/data"
cat >"$PF/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.keygate.test
mydestination = keygate.test
local_recipient_maps =
inet_interfaces = $TUN4, 127.0.0.1
inet_protocols = ipv4
maillog_file = $PF/maillog
maillog_file_prefixes = $DOVECOT_ROOT
smtpd_sasl_type = dovecot
smtpd_sasl_path = $MAILDIR/run/auth-postfix
smtpd_recipient_restrictions = check_policy_service unix:$PF/keygate,
  permit_sasl_authenticated, reject
smtpd_policy_service_default_action = 451 4.3.5 policy service unavailable
CONF
cat >"$PF/master.cf" <<CONF
submission inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=yes
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
proxymap  unix - - n - - proxymap
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
local     unix - n n - - local
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
bg_ns gateway postfix postfix -c "$PF" start-fg >/dev/null
on_cleanup "in_ns gateway postfix -c '$PF' stop"
wait_for 15 dovecot_listening gateway 587 ||
	fail "postfix does not listen on 587: $(tail -n 5 "$NET_TMP/postfix.log" "$PF/maillog" 2>&1)"

# vpnd with [Mail]: Postfix's policy on a unix socket, as in the admin guide.
story_vpnd_paths
must story_vpnd_init --window 10h --idle off --address "$TUN4/24,fd77::1/64" >/dev/null
cat >>"$CONF" <<CONF

[Mail]
Domains = keygate.test
DovecotPolicy = 127.0.0.1:$DOVECOT_POLICY
PostfixPolicy = unix:$PF/keygate
CONF
story_vpnd_run
VPND_PID=${NET_PIDS[-1]}

# Each owner's laptop with its own security key (softkey).
laptop() { # laptop OWNER: enrolled, tunnel configured, no session
	local o=$1 ifn uri
	ifn=$(wg_ifname "$o")
	bg_ns "$o" "softkey-$o" "$(prog softkey)" --socket "$NET_TMP/$o-key.sock" --pin "$PIN" \
		--state "$NET_TMP/$o-softkey.state" >/dev/null
	wait_for 5 test -S "$NET_TMP/$o-key.sock" || fail "softkey for $o did not start"
	story_laptop_files "$ifn"
	uri=$(vpnd_cmd peer add "$o-laptop" --owner "$o") || fail "vpnd peer add $o-laptop failed"
	must in_ns "$o" "$ENROLL" register "$uri" --device "unix:$NET_TMP/$o-key.sock" \
		--interface "$ifn" --pin-fd 3 3<<<"$PIN" >/dev/null
}
key_up() {
	must in_ns "$1" "$ENROLL" up "$(wg_ifname "$1")" --device "unix:$NET_TMP/$1-key.sock" \
		--pin-fd 3 3<<<"$PIN" >/dev/null
}
laptop alice
laptop bob
key_up alice

# login FROM USER PROTO [ADDR]: the mail client's verdict (0, 1, 2).
login() {
	local addr=${ADDR:-$TUN4}
	if [ "$3" = submission ]; then
		in_ns "$1" "$(mail_python)" "$SRC/tests/netns/smtpclient.py" "$addr" --user "$2" \
			--password-file "$MAILDIR/password.$2" --timeout "${TIMEOUT:-5}"
	else
		in_ns "$1" "$(mail_python)" "$SRC/tests/netns/mailclient.py" "$3" "$addr" \
			--user "$2" --password-file "$MAILDIR/password.$2" --cafile "$MAILDIR/cert.pem" \
			--timeout "${TIMEOUT:-5}"
	fi
}
ok() { # ok FROM USER PROTO... [ADDR]
	local from=$1 user=$2 p out
	shift 2
	for p in "$@"; do
		out=$(login "$from" "$user" "$p") || fail "$p as $user from $from should work: $out"
		log "$from: $out"
	done
}
refused() { # refused FROM USER PROTO...: reached, and the login refused
	local from=$1 user=$2 p out rc
	shift 2
	for p in "$@"; do
		# Dovecot answers a refused login after its failure delay.
		out=$(TIMEOUT=15 login "$from" "$user" "$p")
		rc=$?
		[ "$rc" -eq 2 ] || fail "$p as $user from $from should be refused (exit $rc): $out"
		log "$from: $out"
	done
}
audit_has() {
	grep "event=mail-refused service=$3 " "$NET_TMP/vpnd.log" | grep "login=$1 " |
		grep -q "reason=$2"
}
audited() { # audited LOGIN REASON SERVICE: the child tells the monitor unawaited
	wait_for 5 audit_has "$@" ||
		fail "no audit of $1 refused ($2, $3): $(grep mail-refused "$NET_TMP/vpnd.log" | tail -n 3)"
}

wait_for 10 login alice alice imap || fail "no IMAP through alice's tunnel: $(login alice alice imap)"
ok alice alice imap imaps pop3 pop3s submission
refused alice bob imap imaps pop3 pop3s submission
ADDR=fd77::1 ok alice alice imap
ADDR=fd77::1 refused alice bob imap
out=$(login alice bob imap)
grep -q "owner's tunnel" <<<"$out" || fail "the IMAP client should see why: $out"
audited bob other-owner dovecot
grep "event=mail-refused" "$NET_TMP/vpnd.log" | grep "login=bob " | grep -q "tunnel-owner=alice" ||
	fail "the audit should name the tunnel's owner"
# The same rule in Postfix's policy service, asked as smtpd asks it.
answer=$(in_ns gateway "$(mail_python)" - <<PY
import socket
s = socket.socket(socket.AF_UNIX)
s.connect("$PF/keygate")
s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
          b"client_address=10.77.0.2\nsasl_method=PLAIN\nsasl_username=bob\n\n"
          b"request=smtpd_access_policy\nclient_address=10.77.0.2\nsasl_username=alice\n\n")
buf = b""
while buf.count(b"\n\n") < 2:
    buf += s.recv(1024)
print(buf.decode().replace("\n\n", " | "))
PY
)
[[ $answer == "action=REJECT 5.7.1 "*"| action=DUNNO |"* ]] ||
	fail "Postfix's policy service answered: $answer"
audited bob other-owner postfix

policy() { # what vpnd's Dovecot policy answers for LOGIN from ADDR
	in_ns gateway curl -s -X POST --data "{\"login\":\"$1\",\"remote\":\"$2\",\"protocol\":\"imap\"}" \
		"http://127.0.0.1:$DOVECOT_POLICY/?command=allow"
}
alice_addr=$(vpnd_cmd peer show alice-laptop | sed -n 's/^address: *//p')
[ -n "$alice_addr" ] || fail "no address for alice-laptop"
alice6=$(vpnd_cmd peer show alice-laptop | sed -n 's/^addresses: *[^,]*,//p')
[[ $alice6 == fd77::* ]] || fail "no IPv6 address for alice-laptop: $(vpnd_cmd peer show alice-laptop)"
[[ $(policy alice "$alice6") == *'"status":0'* ]] ||
	fail "alice from $alice6 should pass: $(policy alice "$alice6")"
[[ $(policy bob "$alice6") == *'"status":-1'* ]] ||
	fail "bob from alice's $alice6 should not: $(policy bob "$alice6")"
# name@[Mail] Domains is alice's too; a reload takes new Domains at once.
[[ $(policy ALICE@keygate.test "$alice_addr") == *'"status":0'* ]] ||
	fail "alice@keygate.test should be alice's: $(policy ALICE@keygate.test "$alice_addr")"
sed -i 's/^Domains = keygate.test$/Domains = example.org/' "$CONF"
kill -HUP "$VPND_PID"
wait_for 5 eval '[[ $(policy alice@example.org "$alice_addr") == *"\"status\":0"* ]]' ||
	fail "after the reload alice@example.org should be alice's"
[[ $(policy alice@keygate.test "$alice_addr") == *'"status":-1'* ]] ||
	fail "after the reload alice@keygate.test is no login of alice's"

# A table bigger than one message to the network child (common/mailpart.h):
# 140 more dual-stack sessions of one owner with 11 long logins, some
# 130 KB. The child takes it whole: a login over the last one's
# addresses is that owner's, and alice's is refused there.
long=$(printf 'login%02d@a.rather.long.mail.domain.example,' {1..11})
must vpnd_cmd peer add many0 --owner many --no-enroll --public-key "$(wg genkey | wg pubkey)" >/dev/null
must vpnd_cmd owner set many --mail-login "${long%,}"
must vpnd_cmd session open many0 >/dev/null
for i in {1..139}; do
	must vpnd_cmd peer add "many$i" --owner many --existing-owner --no-enroll \
		--public-key "$(wg genkey | wg pubkey)" >/dev/null
	must vpnd_cmd session open "many$i" >/dev/null
done
vpnd_cmd status | grep -q "^mail-sessions: *141$" ||
	fail "the mail table should hold 141 sessions: $(vpnd_cmd status | grep mail-)"
last=$(vpnd_cmd peer show many139 | sed -n 's/^addresses: *//p')
[[ $last == *,fd77::* ]] || fail "no addresses for many139: $last"
for a in "${last%,*}" "${last#*,}"; do
	wait_for 5 eval '[[ $(policy login11@a.rather.long.mail.domain.example "$a") == *"\"status\":0"* ]]' ||
		fail "login11@... from many139's $a should pass: $(policy login11@a.rather.long.mail.domain.example "$a")"
	[[ $(policy alice "$a") == *'"status":-1'* ]] || fail "alice from many139's $a should not pass"
done
[[ $(policy alice "$alice_addr") == *'"status":0'* ]] ||
	fail "alice from $alice_addr should still pass: $(policy alice "$alice_addr")"
! grep -q "dropped unfinished" "$NET_TMP/vpnd.log" ||
	fail "the child dropped a mail table: $(grep "dropped unfinished" "$NET_TMP/vpnd.log")"

# A login both hold, from either tunnel; any login from the gateway itself.
must vpnd_cmd owner set alice --mail-login shared
must vpnd_cmd owner set bob --mail-login shared
vpnd_cmd owner show bob | grep -q "mail-login: shared" || fail "owner show: $(vpnd_cmd owner show bob)"
ok alice shared imap pop3s
key_up bob
wait_for 10 login bob bob imap || fail "no IMAP through bob's tunnel: $(login bob bob imap)"
ok bob shared imap pop3s submission
refused bob alice imap
audited alice other-owner dovecot
ADDR=127.0.0.1 ok gateway bob imap
ADDR=127.0.0.1 ok gateway alice pop3 submission
vpnd_cmd status | grep -Eq "^mail-refused: +[1-9]" || fail "status: $(vpnd_cmd status | grep mail-)"

# alice's session ends: her tunnel closes, and the policy agrees.
must vpnd_cmd session kill alice-laptop
[[ $(policy alice "$alice_addr") == *'"status":-1'* ]] ||
	fail "the policy still lets alice in after her session: $(policy alice "$alice_addr")"
[[ $(policy alice "$alice6") == *'"status":-1'* ]] ||
	fail "the policy still lets alice in over IPv6 after her session: $(policy alice "$alice6")"
audited alice not-tunnel dovecot
out=$(login alice alice imap)
[ $? -ne 0 ] || fail "alice logged in after her session ended: $out"

# vpnd stopped: nobody answers Dovecot's policy, and Dovecot refuses all.
kill -TERM "$VPND_PID"
wait "$VPND_PID" 2>/dev/null
wait_for 10 eval '! dovecot_listening gateway $DOVECOT_POLICY' ||
	fail "vpnd's policy port is still open after vpnd stopped"
ADDR=127.0.0.1 refused gateway bob imap pop3
out=$(login bob bob imap) && fail "bob logged in through his tunnel with vpnd stopped: $out"
ADDR=127.0.0.1 refused gateway alice submission
grep -q "policy" "$MAILDIR/dovecot.log" || fail "dovecot's log says nothing of the policy"
pass "mail logins only through their owner's tunnel: Dovecot and Postfix, shared logins, fail closed"

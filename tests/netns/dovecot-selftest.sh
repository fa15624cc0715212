#!/bin/bash
# SPDX-License-Identifier: ISC
# The dovecot helpers: a mail server in one namespace, a client in another,
# a veth between them. Login and fetch work over IMAP, IMAPS, POP3, POP3S;
# a wrong password is refused; a stopped server is unreachable.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
net_init
ns_add server
ns_add client
veth_pair server 192.0.2.1/24 client 192.0.2.2/24

dovecot_start server mail 192.0.2.1
mail_deliver mail "selftest $RUN_ID"
mail_all_ok client mail 192.0.2.1 "selftest $RUN_ID"

echo wrong >"$NET_TMP/wrong"
out=$(in_ns client "$(mail_python)" "$SRC/tests/netns/mailclient.py" imap 192.0.2.1 \
	--user "$DOVECOT_USER" --password-file "$NET_TMP/wrong")
[ $? -eq 2 ] || fail "a wrong password should be refused (exit 2): $out"
log "client: $out"

# Bound to 192.0.2.1 only: not on the server's loopback.
out=$(mail_client server mail imap 127.0.0.1) && fail "dovecot should not listen on 127.0.0.1: $out"

dovecot_stop mail
mail_none_reachable client mail 192.0.2.1
pass "dovecot in a namespace: IMAP/POP3 login and fetch over veth"

# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# A real Dovecot (IMAP 143/993, POP3 110/995) inside a network namespace,
# with its own base_dir, config, self-signed certificate, one mail account
# in a passwd-file and a maildir, all under a temp dir; and a client that
# logs in and fetches (tests/netns/mailclient.py).
#
# Use (after tests/netns/lib.sh and net_init):
#   . "$SRC/tests/netns/dovecot.sh"
#   dovecot_start gw mail 10.77.0.1          # HOST NAME LISTEN ("*, ::" = all)
#   mail_deliver mail "hello from keygate"
#   mail_client laptop mail imap 10.77.0.1 --expect-subject "hello from keygate"
#   mail_all_ok laptop mail 10.77.0.1 "hello from keygate"    # all four ports
#   mail_none_reachable internet mail 192.0.2.1               # all four refused
#   dovecot_stop mail
# NAME is one mail server: its mailbox outlives a stop, so a restart on
# another address serves the same account and messages.

DOVECOT_USER=${DOVECOT_USER:-alice}
DOVECOT_ROOT=""
MAIL_PROTOS=(imap imaps pop3 pop3s)

# /usr/bin/python3 when present: the Debian one, whatever PATH says.
mail_python() {
	if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi
}

dovecot_dir() { printf '%s/%s' "$DOVECOT_ROOT" "$1"; }

# Account, certificate and maildir for NAME, made once.
dovecot_setup() {
	local name=$1 dir
	if [ -z "$DOVECOT_ROOT" ]; then
		# Traversable (not readable) by dovecot's unprivileged users.
		# Named and handed to cleanup before it is made (an interrupt
		# may come at any moment); outside NET_TMP, which is 0700.
		DOVECOT_ROOT=/tmp/keygate-mail-$$-$RANDOM
		on_cleanup 'rm -rf "$DOVECOT_ROOT"'
		mkdir -m 0711 "$DOVECOT_ROOT" || {
			DOVECOT_ROOT=""
			fail "cannot make a dovecot dir under /tmp"
		}
	fi
	dir=$(dovecot_dir "$name")
	[ -d "$dir" ] && return 0
	mkdir -p "$dir/run" "$dir/state" "$dir/home/$DOVECOT_USER/Maildir/"{new,cur,tmp}
	chmod 0711 "$dir" "$dir/home"
	chown -R nobody:nogroup "$dir/home/$DOVECOT_USER"
	# The password never appears on a command line: the client reads it from a file.
	head -c 12 /dev/urandom | base64 | tr -d '/+=' >"$dir/password"
	chmod 0600 "$dir/password"
	printf '%s:{PLAIN}%s::::::\n' "$DOVECOT_USER" "$(cat "$dir/password")" >"$dir/passwd"
	chgrp dovecot "$dir/passwd" && chmod 0640 "$dir/passwd"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=mail.keygate.test" -keyout "$dir/key.pem" -out "$dir/cert.pem" \
		>"$dir/openssl.log" 2>&1 || fail "openssl: $(cat "$dir/openssl.log")"
	chmod 0600 "$dir/key.pem"
}

# The config for NAME listening on LISTEN (dovecot's syntax: "10.77.0.1",
# "10.77.0.1, fd77::1", "*, ::").
dovecot_conf() {
	local name=$1 listen=$2 dir
	dir=$(dovecot_dir "$name")
	cat >"$dir/dovecot.conf" <<EOF
# keygate test instance '$name'
base_dir = $dir/run
state_dir = $dir/state
instance_name = keygate-$RUN_ID-$name
log_path = $dir/dovecot.log
protocols = imap pop3
listen = $listen
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2
# Plaintext logins on 143/110 are fine here: keygate puts them inside WireGuard.
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/home/%u
}
mail_location = maildir:~/Maildir
shutdown_clients = yes
EOF
}

# dovecot_start HOST NAME LISTEN: starts dovecot in HOST and waits until it
# listens on all four ports.
dovecot_start() {
	local host=$1 name=$2 listen=$3 dir port
	dovecot_setup "$name"
	dovecot_conf "$name" "$listen"
	dir=$(dovecot_dir "$name")
	bg_ns "$host" "dovecot-$name" dovecot -F -c "$dir/dovecot.conf" >/dev/null
	on_cleanup "dovecot -c '$dir/dovecot.conf' stop"
	for port in 143 993 110 995; do
		wait_for 10 dovecot_listening "$host" "$port" ||
			fail "dovecot '$name' does not listen on $port in $host: $(tail -n 5 "$dir/dovecot.log" "$NET_TMP/dovecot-$name.log" 2>&1)"
	done
}

dovecot_listening() {
	local out
	out=$(in_ns "$1" ss -Hltn "sport = :$2") && [ -n "$out" ]
}

dovecot_stop() {
	local dir
	dir=$(dovecot_dir "$1")
	dovecot -c "$dir/dovecot.conf" stop >/dev/null 2>&1
	wait_for 10 test ! -e "$dir/run/master.pid" || fail "dovecot '$1' did not stop"
}

# mail_deliver NAME SUBJECT [BODY]: puts a message in the account's maildir.
mail_deliver() {
	local dir f
	dir=$(dovecot_dir "$1")
	f="$dir/home/$DOVECOT_USER/Maildir/new/$(date +%s).$$_$RANDOM.keygate"
	{
		printf 'From: admin@keygate.test\r\nTo: %s@keygate.test\r\n' "$DOVECOT_USER"
		printf 'Subject: %s\r\nDate: %s\r\nMessage-ID: <%s@keygate.test>\r\n\r\n' \
			"$2" "$(date -R)" "$RANDOM$RANDOM"
		printf '%s\r\n' "${3:-This message came through the tunnel.}"
	} >"$f.tmp"
	chown nobody:nogroup "$f.tmp"
	mv "$f.tmp" "$f"
}

# mail_client HOST NAME PROTO ADDR [mailclient.py options]: prints what it
# saw; exit 0 worked, 1 unreachable, 2 reached but failed.
mail_client() {
	local host=$1 dir
	dir=$(dovecot_dir "$2")
	in_ns "$host" "$(mail_python)" "$SRC/tests/netns/mailclient.py" "$3" "$4" \
		--user "$DOVECOT_USER" --password-file "$dir/password" --cafile "$dir/cert.pem" \
		"${@:5}"
}

# mail_all_ok HOST NAME ADDR SUBJECT: IMAP, IMAPS, POP3, POP3S all fetch SUBJECT.
mail_all_ok() {
	local p out
	for p in "${MAIL_PROTOS[@]}"; do
		out=$(mail_client "$1" "$2" "$p" "$3" --expect-subject "$4") ||
			fail "$p from $1 to $3: $out"
		log "$1: $out"
	done
}

# mail_none_reachable HOST NAME ADDR: every mail port refuses or times out.
mail_none_reachable() {
	local p out rc
	for p in "${MAIL_PROTOS[@]}"; do
		out=$(mail_client "$1" "$2" "$p" "$3" --timeout 2)
		rc=$?
		[ "$rc" -eq 1 ] || fail "$p from $1 to $3 should be unreachable (exit $rc): $out"
		log "$1: $out"
	done
}

#!/bin/bash
# SPDX-License-Identifier: ISC
# The admin's install, in the container booted by boot.sh: docs/quickstart.md's
# blocks as written (extracted by boot.sh into qs-*.sh): section 2's init,
# section 3's unit, drop-ins and sysctl file, then the move of Dovecot to the
# tunnel address, and Postfix's submission on it as docs/admin-guide.md
# section 4 says. Verdict in /keygate-out/setup.result; the next boots
# (boot-check.sh) show what a reboot makes of it.
set -uo pipefail
PHASE=$1
OUT=/keygate-out
exec >"$OUT/$PHASE.log" 2>&1
QS=/usr/local/lib/keygate-test
# shellcheck source=tests/systemd/container-lib.sh
. "$(dirname "$0")/container-lib.sh"
fail() {
	log "FAIL: $*"
	echo "FAIL: $*" >"$OUT/$PHASE.result"
	exit 1
}
active() { [ "$(systemctl is-active "$1")" = active ]; }
# block NAME: the quickstart's block qs-NAME.sh, as an admin pastes it.
block() {
	log "quickstart block '$1':"
	sed 's/^/    | /' "$QS/qs-$1.sh"
	(cd /usr/local/src/keygate && bash -e "$QS/qs-$1.sh") 2>&1 | sed 's/^/    > /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || fail "the quickstart's block '$1' failed"
}

# The mail host before keygate: Debian's Dovecot and Postfix, as packaged.
wait_for 20 active dovecot.service || fail "dovecot.service is $(systemctl is-active dovecot)"
wait_for 20 active postfix@-.service || fail "postfix@-.service is $(systemctl is-active postfix@-)"
log "Dovecot and Postfix run as Debian installs them"

block init
for b in "$QS"/qs-3-*.sh; do
	b=${b##*/qs-}
	block "${b%.sh}"
done
# docs/admin-guide.md section 4: submission bound to the tunnel address.
cat >>/etc/postfix/master.cf <<'EOF'
10.77.0.1:submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
EOF
postfix reload || fail "postfix reload"
block move

[ "$(systemctl is-enabled vpnd.service)" = enabled ] || fail "vpnd.service is not enabled"
for unit in dovecot.service postfix@-.service; do
	systemctl show -p DropInPaths --value "$unit" | grep -q "/$unit.d/keygate.conf" ||
		fail "$unit has no keygate.conf drop-in"
done
log "installed: vpnd.service enabled, the drop-in on dovecot.service and postfix@-.service"
echo PASS >"$OUT/$PHASE.result"

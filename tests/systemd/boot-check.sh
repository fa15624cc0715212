#!/bin/bash
# SPDX-License-Identifier: ISC
# What an admin sees after a reboot of the host boot-setup.sh installed
# (boot.sh boots it): `boot-check.sh good` with vpnd's config as written,
# `boot-check.sh broken` with one vpnd refuses. Another address for port
# 25 and a client outside the host come from a veth pair to a network
# namespace of its own ("outside", 198.51.100.2 -> 198.51.100.1), routed to
# the tunnel network as the internet might try. Verdict in
# /keygate-out/PHASE.result, log beside it.
# shellcheck disable=SC2015 # "A && B || fail": fail unless both hold
set -uo pipefail
PHASE=$1
OUT=/keygate-out
exec >"$OUT/$PHASE.log" 2>&1
TUN=10.77.0.1
LAN=198.51.100.1
MAIL_UNITS="dovecot.service postfix@-.service"
# shellcheck source=tests/systemd/container-lib.sh
. "$(dirname "$0")/container-lib.sh"
fail() {
	log "FAIL: $*"
	echo "--- systemctl list-jobs"
	systemctl list-jobs --no-pager
	for u in vpnd.service $MAIL_UNITS; do
		echo "--- systemctl status $u"
		systemctl status --no-pager -n 15 "$u"
	done
	echo "--- ss -ltn"
	ss -Hltn
	echo "FAIL: $*" >"$OUT/$PHASE.result"
	exit 1
}
prop() { systemctl show -p "$2" --value "$1"; } # UNIT PROPERTY
active() { [ "$(systemctl is-active "$1")" = active ]; }
settled() { case $(systemctl is-active "$1") in active | failed) ;; *) return 1 ;; esac }
# listens ADDR:PORT: a listening TCP socket bound to exactly that.
listens() { ss -Hltn "src $1" | awk '{ print $4 }' | grep -qxF "$1"; }
# greets [outside] ADDR PORT [SECONDS]: the server's first line, or why
# none came ("refused", "unreachable", "no answer" when dropped); exit 0 on
# a line. A refusal is expected at once on a veth: 1 s by default.
greets() {
	local ns=() line rc
	[ "$1" = outside ] && { ns=(ip netns exec outside); shift; }
	# shellcheck disable=SC2016 # the inner shell's $0 and $1
	line=$("${ns[@]}" timeout "${3:-1}" bash -c 'exec 3<>"/dev/tcp/$0/$1" &&
		IFS= read -r l <&3 && echo "${l%$'"'\r'"'}"' "$1" "$2" 2>&1)
	rc=$?
	case "$rc:$line" in
	0:*) echo "$line" ;;
	124:*) echo "no answer"; return 1 ;;
	*refused*) echo "refused"; return 1 ;;
	*unreachable*) echo "unreachable"; return 1 ;;
	*) echo "failed ($rc: $line)"; return 1 ;;
	esac
}
# outside_net: a veth pair, the far end in a namespace of its own.
outside_net() {
	ip netns add outside &&
		ip link add lan0 type veth peer name lan1 netns outside &&
		ip addr add "$LAN/24" dev lan0 && ip link set lan0 up &&
		ip -n outside addr add 198.51.100.2/24 dev lan1 && ip -n outside link set lan1 up &&
		ip -n outside route add 10.77.0.0/24 via "$LAN" || fail "cannot make the outside network"
}

log "boot '$PHASE': systemd $(systemctl --version | head -n1 | cut -d' ' -f2) as PID 1"
# Without the sysctl file (and vpnd down) the tunnel address cannot be
# bound: what 90-keygate.conf is for. Postfix's master stops on the bind
# error of 587, and port 25 with it.
if [ "$PHASE" = bare ]; then
	[ -e /etc/sysctl.d/90-keygate.conf ] && fail "setup: 90-keygate.conf is still installed"
	[ "$(cat /proc/sys/net/ipv4/ip_nonlocal_bind)" = 0 ] || fail "ip_nonlocal_bind is not 0"
	wait_for 30 settled postfix@-.service || fail "postfix@-.service still $(systemctl is-active postfix@-.service)"
	[ "$(systemctl is-active postfix@-.service)" = failed ] ||
		fail "postfix@-.service is $(systemctl is-active postfix@-.service) with $TUN:587 unbindable"
	journalctl -b --no-pager -o cat | grep -q "bind $TUN port 587: Cannot assign requested address" ||
		fail "Postfix logged no bind error for $TUN:587"
	outside_net
	smtp=$(greets outside "$LAN" 25 2) && fail "port 25 answers with Postfix failed: $smtp"
	log "without 90-keygate.conf: postfix@-.service failed (bind $TUN port 587), port 25 from outside: $smtp; dovecot.service $(systemctl is-active dovecot.service)"
	log PASS
	echo PASS >"$OUT/$PHASE.result"
	exit 0
fi

# The mail servers start whatever vpnd did: Wants=, not Requires=.
for u in $MAIL_UNITS; do
	wait_for 30 active "$u" || fail "$u is $(systemctl is-active "$u") 30 s into the boot"
done
log "dovecot.service and postfix@-.service active"
for u in $MAIL_UNITS keygate-probe.service; do
	[[ " $(prop "$u" After) " == *" vpnd.service "* ]] || fail "$u is not ordered after vpnd.service"
	[[ " $(prop "$u" Wants) " == *" vpnd.service "* ]] || fail "$u does not want vpnd.service"
	[[ " $(prop "$u" Requires) " == *" vpnd.service "* ]] && fail "$u requires vpnd.service"
done
log "the drop-in holds: each mail unit Wants= and After= vpnd.service, no Requires="

# The shipped sysctl file, applied at boot by systemd-sysctl itself (in a
# container of its own network namespace /proc/sys/net is writable, so
# its ConditionPathIsReadWrite=/proc/sys/net/ holds).
cmp -s /etc/sysctl.d/90-keygate.conf /usr/local/share/keygate/sysctl.d/90-keygate.conf ||
	fail "/etc/sysctl.d/90-keygate.conf is not the shipped file"
[ "$(prop systemd-sysctl.service ConditionResult)" = yes ] &&
	[ "$(prop systemd-sysctl.service Result)" = success ] ||
	fail "systemd-sysctl.service did not run at boot (condition $(prop systemd-sysctl.service ConditionResult))"
for v in ipv4 ipv6; do
	[ "$(cat /proc/sys/net/$v/ip_nonlocal_bind)" = 1 ] ||
		fail "net.$v.ip_nonlocal_bind is $(cat /proc/sys/net/$v/ip_nonlocal_bind) after the boot"
done
log "systemd-sysctl applied 90-keygate.conf at boot: ip_nonlocal_bind = 1 (IPv4, IPv6)"

outside_net
wait_for 5 greets outside "$LAN" 25 5

# Port 25 serves the internet in every boot; the mail ports never do.
smtp=$(greets outside "$LAN" 25 5) && [[ $smtp == 220* ]] ||
	fail "port 25 at $LAN does not answer from outside: $smtp"
log "from outside, $LAN:25: $smtp"
for p in 143 587; do
	r=$(greets outside "$LAN" $p) && fail "from outside, $LAN:$p answers: $r"
	log "from outside, $LAN:$p: $r"
done
listens "$TUN:143" || fail "Dovecot does not listen on $TUN:143"
listens "$TUN:587" || fail "Postfix does not listen on $TUN:587"
log "Dovecot listens on $TUN:143, Postfix on $TUN:587 (ss)"

vstart=$(prop vpnd.service ActiveEnterTimestampMonotonic)
case $PHASE in
good)
	[ "$(prop vpnd.service Type)" = notify ] || fail "vpnd.service is Type=$(prop vpnd.service Type)"
	active vpnd.service || fail "vpnd.service is $(systemctl is-active vpnd.service)"
	[ "$vstart" -gt 0 ] || fail "vpnd.service has no ActiveEnterTimestampMonotonic"
	# Ready means the tunnel address is there: a unit ordered as the mail
	# servers are found it on kg0 when it started.
	grep -q " inet $TUN/24 " /run/keygate-probe ||
		fail "a unit ordered after vpnd found no $TUN on kg0: $(cat /run/keygate-probe)"
	log "vpnd active (READY=1) at ${vstart} us; a unit ordered after it found $TUN/24 on kg0"
	for u in keygate-probe.service $MAIL_UNITS; do
		first=$(prop "$u" InactiveExitTimestampMonotonic)
		main=$(prop "$u" ExecMainStartTimestampMonotonic)
		[ "$first" -ge "$vstart" ] ||
			fail "$u began starting at $first us, before vpnd was ready ($vstart us)"
		# Postfix's unit is Type=forking without a main PID: no main start.
		[ "$main" -gt 0 ] && main=", its main process at +$(((main - vstart) / 1000)) ms" || main=
		log "$u: began starting +$(((first - vstart) / 1000)) ms after vpnd's READY$main"
	done
	r=$(greets "$TUN" 143 5) && [[ $r == "* OK"* ]] || fail "Dovecot does not greet on $TUN:143: $r"
	log "inside, $TUN:143: $r"
	nft list table inet keygate >/dev/null || fail "no table inet keygate"
	for p in 143 587; do
		r=$(greets outside "$TUN" $p) && fail "from outside, $TUN:$p answers past the wall: $r"
		log "from outside (routed to the tunnel network), $TUN:$p: $r"
	done
	vpnd check >"$OUT/check" 2>&1 || fail "vpnd check: $(cat "$OUT/check")"
	log "table inet keygate present; vpnd check: exit 0"
	;;
broken)
	active vpnd.service && fail "vpnd.service is active with a config vpnd refuses"
	journalctl -b --no-pager -o cat -u vpnd.service | grep -q "unknown key 'Addres' at /etc/vpnd/vpnd.conf:" ||
		fail "vpnd's journal does not name the line it refuses"
	log "vpnd.service $(prop vpnd.service ActiveState)/$(prop vpnd.service SubState) (NRestarts=$(prop vpnd.service NRestarts)): $(journalctl -b --no-pager -o cat -u vpnd.service | grep -m1 "unknown key")"
	ip -o addr | grep -qF " $TUN/" && fail "$TUN is on an interface without vpnd"
	nft list table inet keygate >/dev/null 2>&1 && fail "table inet keygate exists without vpnd"
	for p in 143 587; do
		r=$(greets "$TUN" $p) && fail "$TUN:$p answers inside without the tunnel address: $r"
		log "inside, $TUN:$p: $r"
		r=$(greets outside "$TUN" $p) && fail "from outside, $TUN:$p answers: $r"
		log "from outside (routed to the tunnel network), $TUN:$p: $r"
	done
	log "no tunnel address, no table: the listeners on it serve no one"
	;;
*) fail "unknown phase '$PHASE'" ;;
esac
log PASS
echo PASS >"$OUT/$PHASE.result"

#!/bin/bash
# SPDX-License-Identifier: ISC
# docs/quickstart.md, run as written: every shell block marked
# `<!-- run: HOST ID -->` runs in that host (gateway or laptop) with the
# test's names put in for the page's (kg0, /etc/vpnd/vpnd.conf, the public
# name, the dovecot drop-in, the sheets' folder, the link 'URI'), and
# `systemctl`, `vpnd` and `enroll` standing in as systemd, the default
# paths and a plugged-in security key would. Between the blocks the test
# checks what the page promises: the admin VPN on another interface is
# refused and kept; the pilot reads mail through the tunnel while the
# internet still reads it on the public address; after the move only the
# tunnel serves; the bulk add is all or nothing and writes its sheets; a
# phone keeps its keepalive and no idle timeout; a lost key is replaced;
# a stolen laptop is shut out.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
. "$SRC/tests/netns/story.sh"

DOC=$SRC/docs/quickstart.md
need vpnd init peer set check "run the quickstart's gateway commands"
need enroll register up down "run the quickstart's laptop commands"
need softkey --socket "stand in for the security key"
ENROLL=$(prog enroll)
VPND=$(prog vpnd)
command -v nft >/dev/null || fail "nft not installed (package nftables)"

net_init
vpnd_user_ensure
story_network
GW_IF=$(wg_ifname gw)
ADM_IF=$(wg_ifname admvpn)
LAPTOP_IF=$(wg_ifname laptop)
CONF=$NET_TMP/etc/vpnd.conf
STATE=$NET_TMP/state
SOCK=$NET_TMP/vpnd.sock
WORK=$NET_TMP/work
mkdir -p "$WORK" "$NET_TMP/etc" "$NET_TMP/qs"

# The host before keygate: an admin VPN with a peer on its own interface,
# the interface vpnd will get, and Dovecot on every address.
wggo_start gateway "$ADM_IF"
wg genkey >"$NET_TMP/adm.key"
ADM_PEER=$(wg genkey | wg pubkey)
must in_ns gateway wg set "$ADM_IF" private-key "$NET_TMP/adm.key" peer "$ADM_PEER" \
	allowed-ips 10.99.0.2/32
wggo_start gateway "$GW_IF"
dovecot_start gateway mail "*, ::"
MAILDIR=$(dovecot_dir mail)
mkdir -p "$MAILDIR/conf.d"
echo "!include_try $MAILDIR/conf.d/*.conf" >>"$MAILDIR/dovecot.conf"
mail_deliver mail "$SUBJECT"
story_softkey
story_laptop_files "$LAPTOP_IF"
on_cleanup '[ -s "$NET_TMP/vpnd.pid" ] && kill "$(cat "$NET_TMP/vpnd.pid")" 2>/dev/null'

reads() { # HOST ADDR: fetches the message
	wait_for 8 mail_client "$1" mail imap "$2" --timeout 2 --expect-subject "$SUBJECT" ||
		fail "$1 cannot read mail at $2: $(mail_client "$1" mail imap "$2" --timeout 2 --expect-subject "$SUBJECT")"
}
refused() { # HOST ADDR: cannot reach the mail server
	mail_client "$1" mail imap "$2" --timeout 2 >/dev/null
	[ $? -eq 1 ] || fail "$1 should not reach mail at $2"
}

# The blocks, in the page's order, as files NN-HOST-ID.sh with the names
# put in; LINK (the last link a gateway block printed) goes in at run time.
/usr/bin/python3 - "$DOC" "$NET_TMP/qs" <<EOF || fail "cannot read the blocks of $DOC"
import re, sys
doc, out = sys.argv[1], sys.argv[2]
subst = [
    ("/etc/vpnd/vpnd.conf", "$CONF"),
    ("/etc/dovecot/conf.d/99-keygate.conf", "$MAILDIR/conf.d/99-keygate.conf"),
    ("/root/keygate-sheets", "$NET_TMP/sheets"),
    ("mail.example.org:51820", "$GW_PUB:51820"),
    ("'URI'", '"\$LINK"'),
]
lines = open(doc).read().split("\n")
n = 0
for i, l in enumerate(lines):
    m = re.fullmatch(r"<!-- run: (gateway|laptop) ([a-z-]+) -->", l)
    if not m:
        continue
    if lines[i + 1] != "\`\`\`sh":
        sys.exit(f"{doc}:{i + 2}: a run mark not followed by a sh block")
    body = []
    for b in lines[i + 2:]:
        if b == "\`\`\`":
            break
        body.append(b)
    text = "\n".join(body) + "\n"
    text = re.sub(r"\bkg0\b", "$GW_IF", text)
    for a, b in subst:
        text = text.replace(a, b)
    n += 1
    open(f"{out}/{n:02d}-{m.group(1)}-{m.group(2)}.sh", "w").write(text)
EOF

# What each host has instead of systemd, the default paths and a key.
gateway_prelude() {
	cat <<EOF
set -euo pipefail
cd $(printf %q "$WORK")
vpnd() {
	if [ "\$1" = init ]; then
		$(printf %q "$VPND") "\$@" -c $(printf %q "$CONF") --state-dir $(printf %q "$STATE") \\
			--control-socket $(printf %q "$SOCK")
	else
		$(printf %q "$VPND") "\$@" -c $(printf %q "$CONF")
	fi
}
vpnd_start() {
	setsid $(printf %q "$VPND") run -c $(printf %q "$CONF") >>$(printf %q "$NET_TMP/vpnd.log") 2>&1 &
	echo \$! >$(printf %q "$NET_TMP/vpnd.pid")
	for _ in \$(seq 50); do vpnd status >/dev/null 2>&1 && return 0; sleep 0.1; done
	tail -n 5 $(printf %q "$NET_TMP/vpnd.log") >&2
	return 1
}
vpnd_stop() {
	local pid
	pid=\$(cat $(printf %q "$NET_TMP/vpnd.pid"))
	kill "\$pid"
	while kill -0 "\$pid" 2>/dev/null; do sleep 0.1; done
}
dovecot_restart() {
	dovecot -c $(printf %q "$MAILDIR/dovecot.conf") stop
	while [ -e $(printf %q "$MAILDIR/run/master.pid") ]; do sleep 0.1; done
	dovecot -c $(printf %q "$MAILDIR/dovecot.conf")
	for _ in \$(seq 100); do [ -n "\$(ss -Hltn 'sport = :143')" ] && return 0; sleep 0.1; done
	return 1
}
systemctl() {
	case "\$*" in
	"enable --now vpnd" | "start vpnd") vpnd_start ;;
	"restart vpnd") vpnd_stop && vpnd_start ;;
	"restart dovecot") dovecot_restart ;;
	*) echo "quickstart test: no stand-in for systemctl \$*" >&2; return 1 ;;
	esac
}
EOF
}
laptop_prelude() {
	cat <<EOF
set -euo pipefail
cd $(printf %q "$WORK")
enroll() {
	local sub=\$1
	shift
	$(printf %q "$ENROLL") "\$sub" "\$@" --interface $(printf %q "$LAPTOP_IF") \\
		--device $(printf %q "$KEYDEV") --pin-fd 3 3<<<$(printf %q "$PIN")
}
EOF
}

LINK=""
# run_block FILE: the block in its host; its output in FILE.out.
run_block() {
	local f=$1 base host
	base=$(basename "$f" .sh)
	host=${base#*-}
	host=${host%%-*}
	log "block $base"
	{ "${host}_prelude"; printf 'LINK=%q\n' "$LINK"; cat "$f"; } >"$f.run"
	in_ns "$host" bash "$f.run" >"$f.out" 2>"$f.err" ||
		fail "docs/quickstart.md block $base failed: $(tail -n 8 "$f.err") / $(tail -n 5 "$f.out")"
	# A gateway block that printed a link: the next laptop block's 'URI'.
	if [ "$host" = gateway ] && grep -q '^keygate:' "$f.out"; then
		LINK=$(grep -m 1 '^keygate:' "$f.out")
	fi
}

# The checks after each block, by its HOST-ID.
after_gateway-init() {
	grep -qx "Name = $GW_IF" "$CONF" || fail "vpnd init wrote no Name = $GW_IF"
	# The page's command on the admin VPN's interface is refused, and
	# names a way out; its peer stays.
	local out
	out=$(in_ns gateway "$VPND" init -c "$NET_TMP/etc/other.conf" --interface "$ADM_IF" \
		--address 10.77.0.1/24 --endpoint "$GW_PUB:51820" --state-dir "$NET_TMP/other" 2>&1) &&
		fail "vpnd init took over an interface with a peer"
	grep -q "kg0" <<<"$out" && grep -q -- "--adopt" <<<"$out" ||
		fail "vpnd init's refusal names neither kg0 nor --adopt: $out"
	[ ! -e "$NET_TMP/etc/other.conf" ] || fail "the refused vpnd init wrote its config"
	in_ns gateway wg show "$ADM_IF" peers | grep -qxF "$ADM_PEER" || fail "the admin VPN lost its peer"
	# Told to, it takes the interface over.
	must in_ns gateway "$VPND" init -c "$NET_TMP/etc/other.conf" --interface "$ADM_IF" \
		--address 10.77.0.1/24 --endpoint "$GW_PUB:51820" --state-dir "$NET_TMP/other" \
		--adopt >/dev/null
}
after_gateway-pilot-config() {
	# An AuditLog the unit could not write: vpnd refuses, and says why.
	local out
	sed 's|^\[Daemon\]$|[Daemon]\nAuditLog = /nonexistent/vpnd/audit.log|' "$CONF" >"$NET_TMP/etc/audit.conf"
	grep -q "^AuditLog" "$NET_TMP/etc/audit.conf" || fail "no [Daemon] section to put AuditLog in"
	out=$(in_ns gateway timeout 10 "$VPND" run -c "$NET_TMP/etc/audit.conf" 2>&1) &&
		fail "vpnd ran with an AuditLog it cannot open"
	grep -q "cannot open the audit log /nonexistent/vpnd/audit.log.*ProtectSystem=strict" <<<"$out" ||
		fail "vpnd's refusal of the AuditLog does not say why: $out"
}
after_gateway-start() {
	reads internet "$GW_PUB"
	[ -z "$(in_ns gateway wg show "$GW_IF" peers)" ] || fail "a peer on $GW_IF before any session"
}
after_laptop-pilot-enroll() {
	reads laptop "$TUN4"
	reads internet "$GW_PUB" # everyone else, unchanged
}
after_gateway-move() {
	refused internet "$GW_PUB"
	reads laptop "$TUN4" # the pilot's session outlived the restart
	local table
	table=$(in_ns gateway nft list table inet keygate) || fail "no table inet keygate"
	grep -q 993 <<<"$table" || fail "no mail wall after the move: $table"
}
after_gateway-everyone() {
	local f show
	for f in bob-laptop bob-phone carol-laptop; do
		[ -s "$NET_TMP/sheets/$f.svg" ] || fail "no sheet $f.svg"
		grep -q "<path" "$NET_TMP/sheets/$f.svg" || fail "sheet $f.svg has no QR code"
	done
	grep -q ">bob<" "$NET_TMP/sheets/bob-phone.svg" || fail "bob-phone's sheet does not name bob"
	# The page renders, and its QR code reads back as the link printed.
	local link qr
	link=$(sed -n 's/^bob-laptop //p' "$NET_TMP/qs/"*-gateway-everyone.sh.out)
	[ -n "$link" ] || fail "peer add --from printed no link for bob-laptop"
	rsvg-convert -w 1240 "$NET_TMP/sheets/bob-laptop.svg" -o "$NET_TMP/sheet.png" ||
		fail "bob-laptop's sheet does not render"
	qr=$(zbarimg --raw -q "$NET_TMP/sheet.png") || fail "no QR code read from bob-laptop's sheet"
	[ "$qr" = "$link" ] || fail "the sheet's QR code reads '$qr', the link is '$link'"
	[ "$(stat -c %a "$NET_TMP/sheets/bob-laptop.svg")" = 600 ] || fail "a sheet others may read"
	show=$(vpnd_cmd peer show bob-phone)
	grep -Eq "^idle: +off$" <<<"$show" && grep -Eq "^keepalive: +25$" <<<"$show" ||
		fail "a mobile peer's defaults are not idle off, keepalive 25: $show"
	# All or nothing: a file whose third line names an existing peer
	# adds none of its others, and the error names the line.
	printf 'name,owner,kind\ndave-laptop,dave,laptop\nbob-laptop,bob,laptop\n' >"$WORK/again.csv"
	show=$(vpnd_cmd peer add --from "$WORK/again.csv" 2>&1) && fail "a bulk add over an existing peer"
	grep -q "again.csv:3" <<<"$show" || fail "the bulk add's error names no line: $show"
	vpnd_cmd peer show dave-laptop >/dev/null 2>&1 && fail "a refused bulk add added dave-laptop"
	printf 'x,y,tablet\n' >"$WORK/bad.csv"
	show=$(vpnd_cmd peer add --from "$WORK/bad.csv" 2>&1) && fail "a bulk add of kind tablet"
	grep -q "bad.csv:1: invalid kind 'tablet'" <<<"$show" || fail "bad kind: $show"
	return 0
}
after_gateway-phone() {
	local show
	show=$(vpnd_cmd peer show bob-phone)
	grep -Eq "^idle: +12h$" <<<"$show" || fail "peer set --idle 12h: $show"
	grep -q "12h" "$STATE/peers" || fail "peer set was not saved: $(grep bob-phone "$STATE/peers")"
	show=$(vpnd_cmd peer set bob-phone --keepalive 70000 --idle 1h 2>&1) && fail "keepalive 70000 taken"
	grep -q "invalid keepalive '70000'" <<<"$show" || fail "peer set --keepalive 70000: $show"
	grep -Eq "^idle: +12h$" <<<"$(vpnd_cmd peer show bob-phone)" ||
		fail "a refused peer set changed the idle timeout"
	# Back to the kind's default: a mobile peer's idle is off again.
	must vpnd_cmd peer set bob-phone --idle default >/dev/null
	grep -Eq "^idle: +off$" <<<"$(vpnd_cmd peer show bob-phone)" || fail "peer set --idle default"
	# The gateway's keepalive is on the interface while a session runs.
	local pub ka
	pub=$(wg genkey | wg pubkey)
	must vpnd_cmd peer add dave-phone --owner bob --mobile --public-key "$pub" --no-enroll >/dev/null
	must vpnd_cmd session open dave-phone --window 1m >/dev/null
	ka=$(in_ns gateway wg show "$GW_IF" persistent-keepalive)
	# awk, not grep -E: a public key may hold "+", a quantifier there.
	awk -v k="$pub" '$1 == k && $2 == 25 { f = 1 } END { exit !f }' <<<"$ka" ||
		fail "no keepalive 25 toward a phone: $ka"
	must vpnd_cmd session kill dave-phone >/dev/null
}
after_laptop-lost-key() {
	reads laptop "$TUN4"
}
after_gateway-stolen() {
	refused laptop "$TUN4"
}

ran=""
for f in "$NET_TMP"/qs/*.sh; do
	run_block "$f"
	base=$(basename "$f" .sh)
	base=${base#*-}
	ran+=" $base"
	if declare -F "after_$base" >/dev/null; then "after_$base"; fi
done
want=" gateway-init gateway-pilot-config gateway-start gateway-pilot-peer laptop-pilot-enroll"
want+=" gateway-move gateway-everyone gateway-phone gateway-lost-key laptop-lost-key gateway-stolen"
[ "$ran" = "$want" ] || fail "docs/quickstart.md's blocks were:$ran; the test knows:$want"
pass "docs/quickstart.md as written: init beside an admin VPN, a pilot, the move, everyone, a lost key, a stolen laptop"

#!/bin/bash
# SPDX-License-Identifier: ISC
# The command-line contract of INTERFACE.md, form by form, against a real
# `vpnd run` over wireguard-go, real softkeys, enroll and clientcfg: every
# command and option listed there is called at least once. Every command
# prints --help on stdout and exits 0; a usage error (unknown option,
# missing argument) exits 2; a refused operation exits 1 with exactly one
# line on stderr.
. "$(dirname "$0")/activation-lib.sh"
CLIENTCFG=${CLIENTCFG:-$BUILD/clientcfg/clientcfg}
act_hosts "$CLIENTCFG"
on_cleanup act_teardown
OUT=$NET_TMP/out
ERR=$NET_TMP/err

# --- the checks: each runs the command once, output in $OUT and $ERR -------
run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
}
lines() { grep -c '' "$1"; }
say() { printf '%s; stdout: %s; stderr: %s' "$1" "$(head -c 600 "$OUT")" "$(head -c 600 "$ERR")"; }
ok() {
	run "$@"
	[ "$RC" = 0 ] || fail "$(say "exit $RC, want 0: $*")"
}
# refused PATTERN CMD...: exit 1, exactly one line on stderr that matches.
refused() {
	local pattern=$1
	shift
	run "$@"
	[ "$RC" = 1 ] || fail "$(say "exit $RC, want 1: $*")"
	[ "$(lines "$ERR")" = 1 ] || fail "$(say "want exactly one line on stderr: $*")"
	grep -qE -- "$pattern" "$ERR" || fail "$(say "stderr does not say '$pattern': $*")"
}
# usage CMD...: exit 2, a message on stderr, nothing on stdout.
usage() {
	run "$@"
	[ "$RC" = 2 ] || fail "$(say "exit $RC, want 2 (usage error): $*")"
	[ -s "$ERR" ] || fail "usage error without a message: $*"
	[ ! -s "$OUT" ] || fail "$(say "usage error printed on stdout: $*")"
}
# helps CMD...: CMD --help exits 0, usage on stdout, nothing on stderr.
helps() {
	run "$@" --help
	[ "$RC" = 0 ] || fail "$(say "exit $RC, want 0: $* --help")"
	grep -qi '^usage: ' "$OUT" || fail "$(say "no usage on stdout: $* --help")"
	[ ! -s "$ERR" ] || fail "$(say "--help wrote to stderr: $* --help")"
}
gw() { in_ns gw "$@"; }
lap() { in_ns laptop "$@"; }
json() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); $1" "$OUT" ||
	fail "$(say "JSON check '$1' failed")"; }

# --- vpnd init ---------------------------------------------------------------
helps "$VPND"
helps "$VPND" init
usage "$VPND"
usage "$VPND" bogus
usage "$VPND" init --bogus
usage "$VPND" init -c "$CONF" --interface "$GWIF"
usage "$VPND" init -c "$CONF" --interface "$GWIF" --address
ok "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51830 --listen-port 51830 --activation-port 51831 --window 8h \
	--idle 45m --state-dir "$NET_TMP/state" --control-socket "$NET_TMP/run/vpnd.sock"
GW_PUB=$(cat "$OUT")
[ "$(lines "$OUT")" = 1 ] && [ "${#GW_PUB}" = 44 ] || fail "init printed '$GW_PUB', not a key"
[ "$(stat -c %a "$CONF")" = 600 ] || fail "init: $CONF is not mode 0600"
[ "$(stat -c %a "$NET_TMP/etc/$GWIF.key")" = 600 ] || fail "init: the key is not mode 0600"
[ "$(wg pubkey <"$NET_TMP/etc/$GWIF.key")" = "$GW_PUB" ] || fail "init printed another key"
# The activation key: a file of its own, private (docs/protocol.md 3).
[ "$(stat -c %a "$NET_TMP/state/activation.key")" = 600 ] ||
	fail "init: the activation key is missing or not mode 0600"
grep -q '^current ' "$NET_TMP/state/activation.key" || fail "init: the activation key file holds no key"
refused "exists" "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51830

# --- vpnd run, the default CONF ----------------------------------------------
helps "$VPND" run
usage "$VPND" run -c "$CONF" extra
usage "$VPND" run --bogus
refused "$NET_TMP/none.conf" "$VPND" run -c "$NET_TMP/none.conf"
# LeakSanitizer cannot stop a process that is not dumpable (the monitor
# makes itself so, vpnd/monitor/drop.c): at exit it would abort (134), and exit
# 0 after SIGTERM is what this test checks. Other sanitizers stay on.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 vpnd_start
[ "$(gw wg show "$GWIF" listen-port)" = 51830 ] || fail "--listen-port did not reach $GWIF"
if [ ! -e /etc/vpnd/vpnd.conf ]; then
	refused "/etc/vpnd/vpnd.conf" "$VPND" status
	refused "/etc/vpnd/vpnd.conf" "$CLIENTCFG" tablet --owner alice
fi
# Without -c, /etc/vpnd/vpnd.conf: shown in a mount namespace of our own,
# where /etc is an overlay (this machine's /etc is not touched).
mkdir -p "$NET_TMP/ov"
run unshare -m --propagation private sh -c '
	mount -t tmpfs none "$1" && mkdir "$1/u" "$1/w" &&
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/u,workdir=$1/w" /etc &&
	mkdir -p /etc/vpnd && cp "$2" /etc/vpnd/vpnd.conf && exec "$3" status' sh \
	"$NET_TMP/ov" "$CONF" "$VPND"
[ "$RC" = 0 ] && grep -q "$GWIF" "$OUT" || fail "$(say "vpnd status without -c")"

# --- the new commands and options in `vpnd --help`, each group's help and the
# man page alike ------------------------------------------------------------------
MAN=$SRC/docs/man/vpnd.8.scd
run "$VPND" --help
grep -q '^  code ' "$OUT" || fail "$(say "vpnd --help does not list code")"
for form in "code list:code list [--owner USER]" "code revoke:code revoke PEER" \
	"code new:code new PEER [--new-key]" "key:key revoke USER KEYID [--cascade]" \
	"peer add:--new-key" "key unlock:key unlock USER KEYID"; do
	cmd=${form%%:*} text=${form#*:}
	# shellcheck disable=SC2086
	run "$VPND" $cmd --help
	grep -qF -- "$text" "$OUT" || fail "$(say "vpnd $cmd --help does not show '$text'")"
	man=$(sed -e 's/[*_]//g' -e 's/++$//' "$MAN")
	grep -qF -- "$text" <<<"$man" || fail "the man page does not show '$text'"
done

# --- help and usage errors of the admin commands ------------------------------
for c in "peer" "peer add" "peer list" "peer show" "peer remove" "peer disable" "peer enable" \
	"owner" "owner add" "owner list" "owner show" "owner set" "key" "key list" "key revoke" \
	"key unlock" "code" "code list" "code revoke" "code new" \
	"session" "session list" "session kill" "session open" "status" "check"; do
	# shellcheck disable=SC2086
	helps "$VPND" $c
done
usage "$VPND" peer
usage "$VPND" peer bogus
usage "$VPND" peer add -c "$CONF"
usage "$VPND" peer add x --owner alice --bogus -c "$CONF"
grep -q "^vpnd peer add: unrecognized option '--bogus'" "$ERR" || fail "$(say "unclear usage error")"
usage "$VPND" peer add x -c "$CONF" --owner
usage "$VPND" peer list extra -c "$CONF"
usage "$VPND" peer show -c "$CONF"
usage "$VPND" peer remove -c "$CONF"
usage "$VPND" peer disable a b -c "$CONF"
usage "$VPND" peer enable -c "$CONF"
usage "$VPND" owner add -c "$CONF"
usage "$VPND" owner show -c "$CONF"
usage "$VPND" owner set -c "$CONF"
usage "$VPND" owner set alice --require-uv -c "$CONF"
usage "$VPND" key list a b -c "$CONF"
usage "$VPND" key revoke alice -c "$CONF"
usage "$VPND" key revoke alice 01234567 --cascade=yes -c "$CONF"
usage "$VPND" key unlock alice -c "$CONF"
usage "$VPND" code
usage "$VPND" code bogus
usage "$VPND" code list extra -c "$CONF"
usage "$VPND" code list --owner -c "$CONF"
usage "$VPND" code revoke -c "$CONF"
usage "$VPND" code new -c "$CONF"
usage "$VPND" code new a b -c "$CONF"
usage "$VPND" code new a --new-key=no -c "$CONF"
usage "$VPND" session kill -c "$CONF"
usage "$VPND" session open -c "$CONF"
usage "$VPND" session open x --window -c "$CONF"
usage "$VPND" status extra -c "$CONF"
usage "$VPND" status --bogus -c "$CONF"
usage "$VPND" check --bogus

# --- peers and owners ----------------------------------------------------------
# Options anywhere after the subcommand words; DURATION in d and s here.
ok "$VPND" peer add laptop --owner alice -c "$CONF" --address 10.77.0.2 --window 2d --idle 600s
URI=$(cat "$OUT")
[ "$(lines "$OUT")" = 1 ] || fail "peer add printed more than the URI: $URI"
case $URI in keygate://192.0.2.1:51831/\?gw=*\&code=*) ;; *) fail "peer add printed '$URI'" ;; esac
ok "$VPND" peer show laptop -c "$CONF" --json
json 'r = d[0] if isinstance(d, list) else d
assert r["window"] == "2d" and r["idle"] == "10m" and r["address"] == "10.77.0.2", r
assert r["state"] == "enabled" and r["owner"] == "alice", r'
PHONE_PUB=$(wg genkey | wg pubkey)
ok "$VPND" peer add -c "$CONF" --owner alice --mobile phone --address 10.77.0.3 \
	--public-key "$PHONE_PUB"
grep -q '^keygate://' "$OUT" || fail "$(say "peer add --mobile printed no URI")"
EXT_PUB=$(wg genkey | wg pubkey)
ok "$VPND" peer add ext --owner bob --public-key "$EXT_PUB" -c "$CONF"
grep -q '^keygate://' "$OUT" || fail "$(say "peer add --public-key printed no URI")"
refused "exists" vpnd_cmd peer add laptop --owner alice
refused "10x" vpnd_cmd peer add x --owner alice --window 10x
refused "10.99.0.1" vpnd_cmd peer add x --owner alice --address 10.99.0.1
refused "not-a-key" vpnd_cmd peer add x --owner alice --public-key not-a-key
ok vpnd_cmd peer list
grep -q '^NAME ' "$OUT" && grep -q '^ext  *bob' "$OUT" && grep -q '^phone  *alice  *mobile' "$OUT" ||
	fail "$(say "peer list")"
ok vpnd_cmd peer list --json
json 'assert sorted(p["name"] for p in d) == ["ext", "laptop", "phone"], d'
ok vpnd_cmd peer show ext
grep -q "$EXT_PUB" "$OUT" || fail "$(say "peer show ext does not show its key")"
ok vpnd_cmd peer disable ext
ok vpnd_cmd peer show ext --json
json 'r = d[0] if isinstance(d, list) else d; assert r["state"] == "disabled", r'
refused "disabled" vpnd_cmd session open ext
ok vpnd_cmd peer enable ext
ok vpnd_cmd peer remove ext
refused "ext" vpnd_cmd peer show ext
refused "ext" vpnd_cmd peer remove ext
refused "ext" vpnd_cmd peer disable ext
refused "ext" vpnd_cmd peer enable ext

ok vpnd_cmd owner add carol
refused "carol" vpnd_cmd owner add carol
ok vpnd_cmd owner list
grep -q '^alice ' "$OUT" && grep -q '^bob ' "$OUT" && grep -q '^carol ' "$OUT" ||
	fail "$(say "owner list")"
ok vpnd_cmd owner set alice --require-uv yes --window 12h --idle 1h
ok vpnd_cmd owner show alice --json
json 'r = d[0] if isinstance(d, list) else d
assert r["require-uv"] == "yes" and r["window"] == "12h" and r["idle"] == "1h", r'
ok vpnd_cmd owner set carol --require-uv no
refused "maybe" vpnd_cmd owner set alice --require-uv maybe
refused "nobody" vpnd_cmd owner set nobody --window 1h
refused "nobody" vpnd_cmd owner show nobody
refused "nobody" "$CLIENTCFG" -c "$CONF" tablet --owner nobody

# --- softkey -----------------------------------------------------------------
helps "$SOFTKEY"
usage "$SOFTKEY"
usage "$SOFTKEY" --bogus
usage "$SOFTKEY" --socket
usage "$SOFTKEY" --socket "$NET_TMP/x.sock" --alg rsa
usage "$SOFTKEY" --socket "$NET_TMP/x.sock" --presence maybe
refused "$NET_TMP/none/x.sock" "$SOFTKEY" --socket "$NET_TMP/none/x.sock"
softkey_start key1 --alg es256 --pin "$PIN" --presence yes
softkey_start key2 --alg eddsa --pin "$PIN"
softkey_start key3 --u2f-only
K1=unix:$NET_TMP/key1.sock
K2=unix:$NET_TMP/key2.sock
K3=unix:$NET_TMP/key3.sock
[ -s "$NET_TMP/key1.state" ] || fail "softkey --state wrote nothing"

# --- enroll --------------------------------------------------------------------
E=(lap "$ENROLL")
X=(--config-dir "$WGDIR" --timeout 500 --tries 4)
helps "$ENROLL"
for c in register up down status activate add-key; do helps "$ENROLL" "$c"; done
usage "$ENROLL"
usage "$ENROLL" bogus
usage "$ENROLL" register
usage "$ENROLL" register "$URI" extra
usage "$ENROLL" register "$URI" --bogus
usage "$ENROLL" register "$URI" --pin-fd
usage "$ENROLL" register "$URI" --pin-fd x
grep -q "invalid value 'x' for --pin-fd" "$ERR" || fail "$(say "unclear usage error")"
usage "$ENROLL" up --bogus
grep -q "^enroll up: unrecognized option '--bogus'" "$ERR" || fail "$(say "unclear usage error")"
usage "$ENROLL" register not-a-uri
usage "$ENROLL" up a b
usage "$ENROLL" down --bogus
usage "$ENROLL" status a b
usage "$ENROLL" activate
usage "$ENROLL" add-key extra
# Defaults: wg0 in /etc/wireguard (here in WGDIR, where none is).
refused "wg0" "${E[@]}" status "${X[@]}"
refused "wg0" "${E[@]}" down "${X[@]}"

ok "${E[@]}" register "$URI" --device "$K1" --interface "$LIF" --pin-fd 3 "${X[@]}" 3<<<"$PIN"
[ "$(stat -c %a "$WGDIR/$LIF.conf")" = 600 ] || fail "register: $LIF.conf is not mode 0600"
refused "already used" "${E[@]}" register "$URI" --device "$K1" --interface other --pin-fd 3 \
	"${X[@]}" 3<<<"$PIN"
refused "wrong PIN" "${E[@]}" up "$LIF" --device "$K1" --pin-fd 3 "${X[@]}" 3<<<"0000"
softkey_restart key1 --alg es256 --pin "$PIN" --presence no
refused "touch" "${E[@]}" up "$LIF" --device "$K1" --pin-fd 3 "${X[@]}" 3<<<"$PIN"
softkey_restart key1 --alg es256 --presence yes
ok "${E[@]}" up "$LIF" --device "$K1" --pin-fd 3 "${X[@]}" 3<<<"$PIN"
grep -q "active until" "$OUT" || fail "$(say "up does not say when the window ends")"
ok "${E[@]}" status "$LIF" "${X[@]}"
grep -q "active until" "$OUT" || fail "$(say "status")"
ok "${E[@]}" activate phone --device "$K1" --interface "$LIF" --pin-fd 3 "${X[@]}" 3<<<"$PIN"
ok vpnd_cmd session list --json
json 'assert sorted(s["name"] for s in d) == ["laptop", "phone"], d'
# Without --auth-device, the old key is the other one plugged in: none here.
refused "no FIDO2 security key found" "${E[@]}" add-key --device "$K2" --interface "$LIF" \
	--pin-fd 3 "${X[@]}" 3<<<"$PIN"
ok "${E[@]}" add-key --device "$K2" --auth-device "$K1" --interface "$LIF" --pin-fd 3 "${X[@]}" \
	3<<<"$PIN
$PIN"
# A U2F key cannot verify a PIN: refused while alice's policy asks for one.
refused "PIN" "${E[@]}" add-key --device "$K3" --auth-device "$K2" --interface "$LIF" \
	--pin-fd 3 "${X[@]}" 3<<<"$PIN"
ok vpnd_cmd owner set alice --require-uv no
ok "${E[@]}" add-key --device "$K3" --auth-device "$K2" --interface "$LIF" --pin-fd 3 "${X[@]}" \
	3<<<"$PIN"
ok vpnd_cmd key list alice --json
json 'assert len(d) == 3 and all(k["owner"] == "alice" for k in d), d'
KEY2=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[1]["id"])' "$OUT")
ok vpnd_cmd key list
grep -q "^alice " "$OUT" || fail "$(say "key list")"
ok vpnd_cmd key revoke alice "$KEY2"
refused "revoked" "${E[@]}" up "$LIF" --device "$K2" --pin-fd 3 "${X[@]}" 3<<<"$PIN"
refused "alice" vpnd_cmd key revoke alice 0000dead
refused "nobody" vpnd_cmd key list nobody
# KEYID: any unique prefix of at least 8 hex digits; --cascade takes the
# keys added under it too (K3, added by KEY2).
ok vpnd_cmd key list alice --json
KEY1=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$OUT")
KEY3=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[2]["id"])' "$OUT")
json 'assert d[2]["by-key"] == d[1]["id"] and d[2]["by-device"] == "laptop", d'
[ "${#KEY1}" = 32 ] || fail "key IDs are not 32 hex digits: $KEY1"
refused "8 to 32 hex digits" vpnd_cmd key unlock alice 1234567
refused "8 to 32 hex digits" vpnd_cmd key revoke alice nothex99
ok vpnd_cmd key unlock alice "${KEY1:0:8}"
refused "revoked" vpnd_cmd key unlock alice "$KEY2"
ok vpnd_cmd key revoke alice "${KEY2:0:8}" --cascade
grep -q "^alice  *${KEY3:0:12}" "$OUT" || fail "$(say "revoke --cascade does not list K3")"
ok vpnd_cmd key list alice --json
json 'assert [k["state"] for k in d] == ["active", "revoked", "revoked"], d'

# --- enrollment codes ----------------------------------------------------------------
# The phone's code (made while alice had no key) is pending; the laptop's
# was used.
ok vpnd_cmd code list
grep -q '^PEER  *OWNER' "$OUT" && grep -q '^phone  *alice  *mobile  *key  *no  *pending' "$OUT" ||
	fail "$(say "code list")"
ok vpnd_cmd code list --owner alice --json
json 'assert [c["peer"] for c in d] == ["phone"] and "code" not in d[0] and d[0]["expires"], d'
ok vpnd_cmd code list --owner bob --json
json 'assert d == [], d'
refused "nobody" vpnd_cmd code list --owner nobody
ok vpnd_cmd code revoke phone
refused "no enrollment code" vpnd_cmd code revoke phone
refused "nosuch" vpnd_cmd code revoke nosuch
refused "would only add a key" vpnd_cmd code new phone
ok vpnd_cmd code new phone --new-key
grep -q '^keygate://' "$OUT" || fail "$(say "code new printed no URI")"
ok vpnd_cmd code list --json
json 'assert [(c["peer"], c["new-key"]) for c in d] == [("phone", "yes")], d'
ok vpnd_cmd code revoke phone
refused "nosuch" vpnd_cmd code new nosuch
# peer add --new-key: a code for key recovery; --no-enroll with it makes no sense.
refused "--no-enroll" vpnd_cmd peer add x --owner alice --new-key --no-enroll
ok vpnd_cmd peer add rescue --owner alice --new-key
grep -q '^keygate://' "$OUT" && ! grep -q 'key=' "$OUT" || fail "$(say "peer add --new-key")"
# --public-key for an owner with keys: no code, a note on stderr, exit 0.
ok vpnd_cmd peer add tablet --owner alice --mobile --public-key "$(wg genkey | wg pubkey)"
[ ! -s "$OUT" ] && grep -q "no enrollment code" "$ERR" || fail "$(say "peer add --public-key")"
ok vpnd_cmd peer remove rescue
ok vpnd_cmd peer remove tablet
# No PIN on the fd, no key found: refused in one line.
refused "PIN" "${E[@]}" up "$LIF" --device "$K1" --pin-fd 9 "${X[@]}"
refused "PIN" "${E[@]}" activate phone --device "$K1" --interface "$LIF" --pin-fd 3 "${X[@]}" \
	3</dev/null
refused "security key" "${E[@]}" activate phone --interface "$LIF" "${X[@]}"
ok "${E[@]}" down "$LIF" "${X[@]}"
ok "${E[@]}" status "$LIF" "${X[@]}"
grep -q "ended by enroll down" "$OUT" || fail "$(say "status after down")"

# register without --interface: wg0 (here in WGDIR; nothing comes up).
ok "$VPND" peer add carol-laptop --owner carol -c "$CONF"
ok "${E[@]}" register "$(cat "$OUT")" --device "$K2" --pin-fd 3 "${X[@]}" 3<<<"$PIN"
[ -f "$WGDIR/wg0.conf" ] && [ -f "$WGDIR/wg0.keygate" ] || fail "register wrote no wg0.conf"
ok "${E[@]}" status "${X[@]}"

# --- sessions, status ------------------------------------------------------------
ok vpnd_cmd session open laptop --window 90m
ok vpnd_cmd session list --json
json 'l = [s for s in d if s["name"] == "laptop"][0]
assert l["by"] == "admin" and 500 < l["left"] <= 600 and l["ends-by"] == "idle", l'
ok vpnd_cmd session kill phone
refused "phone" vpnd_cmd session kill phone
ok vpnd_cmd session open phone --window 30s
ok vpnd_cmd session list
grep -q '^phone ' "$OUT" || fail "$(say "session list")"
ok vpnd_cmd session list --json
json 'p = [s for s in d if s["name"] == "phone"][0]
assert p["left"] <= 30 and p["ends-by"] == "window", p'
# A second `vpnd run` on the same CONF is refused and disturbs nothing.
run timeout 10 ip netns exec "$(ns_name gw)" "$VPND" run -c "$CONF"
[ "$RC" = 1 ] && [ "$(lines "$ERR")" = 1 ] || fail "$(say "exit $RC: a second vpnd run")"
gw wg show "$GWIF" peers | grep -qxF "$PHONE_PUB" || fail "a second vpnd run removed a peer"
ok vpnd_cmd session list --json
json 'assert sorted(s["name"] for s in d) == ["laptop", "phone"], d'
refused "nosuch" vpnd_cmd session open nosuch
refused "30x" vpnd_cmd session open phone --window 30x
ok vpnd_cmd status
grep -q "$GWIF" "$OUT" || fail "$(say "status does not name the interface")"
ok vpnd_cmd status --json
json 'r = d[0] if isinstance(d, list) else d; assert r["listen-port"] == 51830, r'

# --- clientcfg -------------------------------------------------------------------
helps "$CLIENTCFG"
usage "$CLIENTCFG"
usage "$CLIENTCFG" --bogus
usage "$CLIENTCFG" -c "$CONF" tablet
usage "$CLIENTCFG" -c "$CONF" tablet --owner
usage "$CLIENTCFG" -c "$CONF" tablet --owner alice --format gif
usage "$CLIENTCFG" -c "$CONF" tablet other --owner alice
ok "$CLIENTCFG" -c "$CONF" tab1 --owner alice --address 10.77.0.21 --format conf \
	-o "$NET_TMP/tab1.conf"
grep -q '^Address = 10.77.0.21/32' "$NET_TMP/tab1.conf" || fail "clientcfg: no Address"
[ "$(stat -c %a "$NET_TMP/tab1.conf")" = 600 ] || fail "clientcfg: the config is not 0600"
ok "$CLIENTCFG" tab2 --owner alice --format qr -c "$CONF"
grep -q '█' "$OUT" || fail "clientcfg --format qr printed no QR code"
ok "$CLIENTCFG" -c "$CONF" tab3 --owner carol --format png -o "$NET_TMP/tab3.png"
[ "$(head -c 4 "$NET_TMP/tab3.png" | tail -c 3)" = PNG ] || fail "clientcfg: no PNG"
ok "$CLIENTCFG" -c "$CONF" tab4 --owner carol --format svg -o "$NET_TMP/tab4.svg"
grep -q '<svg' "$NET_TMP/tab4.svg" || fail "clientcfg: no SVG"
refused "tab1" "$CLIENTCFG" -c "$CONF" tab1 --owner alice -o "$NET_TMP/tab1b.conf"
refused "tab4.svg" "$CLIENTCFG" -c "$CONF" tab5 --owner alice -o "$NET_TMP/tab4.svg"
ok vpnd_cmd peer list --json
json 'k = {p["name"]: p["kind"] for p in d}
assert all(k[t] == "mobile" for t in ("tab1", "tab2", "tab3", "tab4")) and "tab5" not in k, k'

# --- vpnd check --------------------------------------------------------------------
ok gw "$VPND" check -c "$CONF"
bg_ns gw imap-tunnel nc -lk -s 10.77.0.1 -p 143 >/dev/null
bg_ns gw imap-outside nc -lk -s 192.0.2.1 -p 993 >/dev/null
wait_for 5 sh -c "ip netns exec $(ns_name gw) ss -ltn | grep -q 192.0.2.1:993" ||
	fail "nc did not listen"
refused "1 mail listener" gw "$VPND" check -c "$CONF"
grep -q '192.0.2.1.*993' "$OUT" || fail "$(say "check does not name 192.0.2.1:993")"
grep -q '10.77.0.1:143' "$OUT" && fail "$(say "check names the tunnel listener")"

# --- SIGHUP reloads, SIGTERM ends cleanly --------------------------------------------
ok vpnd_cmd peer show carol-laptop --json
json 'r = d[0] if isinstance(d, list) else d; assert r["window"] == "8h", r'
sed -i 's/^Window = 8h$/Window = 6h/' "$CONF"
kill -HUP "$VPND_PID"
wait_for 5 sh -c "'$VPND' peer show carol-laptop -c '$CONF' | grep -q '^window: *6h'" ||
	fail "SIGHUP did not reload $CONF: $(vpnd_cmd peer show carol-laptop)"
kill -TERM "$VPND_PID"
wait "$VPND_PID"
rc=$?
VPND_PID=""
[ "$rc" = 0 ] || { tail -n 40 "$NET_TMP/vpnd.log" >&2; fail "vpnd run exited $rc after SIGTERM"; }
refused "" vpnd_cmd status
pass "every command and option of INTERFACE.md; --help 0, usage 2, refusals 1 in one line"

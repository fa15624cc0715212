#!/bin/bash
# SPDX-License-Identifier: ISC
# The web page, end to end, in a real browser: Debian's chromium, headless,
# with its WebAuthn virtual authenticator (tests/netns/webdriver.py), in the
# phone's namespace, against vpnd (its network child serving HTTPS with a
# test certificate), wireguard-go and dovecot. The phone's config from
# clientcfg; IMAP refused; clientcfg's link registers a key (register
# page); the activate page opens the phone's session; IMAP works; the
# window ends; IMAP refused. Then the refusals: another origin, another rp
# ID, a replayed assertion, another owner's device, a disabled peer, a
# revoked key, a locked key, no user verification when the owner needs it.
# SCREENSHOTS=DIR saves each page state at 390x844 there.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/dovecot.sh"
. "$SRC/tests/netns/story.sh"
WINDOW=12
DOMAIN=gw.example.test
ORIGIN=https://$DOMAIN:8443

need vpnd init run peer session owner key "run the gateway"
need clientcfg "make the phone's config"
command -v chromium >/dev/null || fail "chromium not installed (scripts/install-deps)"
/usr/bin/python3 -c 'import websocket' 2>/dev/null || fail "python3-websocket not installed"

net_init
story_network
story_mail_server
story_vpnd_init --window 10h --idle 30m >/dev/null

# A test certificate, trusted by its key's hash alone.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-keyout "$NET_TMP/web.key" -out "$NET_TMP/web.crt" -subj "/CN=$DOMAIN" \
	-addext "subjectAltName=DNS:$DOMAIN,DNS:www.$DOMAIN" 2>/dev/null || fail "openssl req failed"
SPKI=$(openssl x509 -in "$NET_TMP/web.crt" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
cat >>"$CONF" <<EOC

[Web]
Domain = $DOMAIN
Listen = $GW_PUB:8443
Certificate = $NET_TMP/web.crt
Key = $NET_TMP/web.key
EOC
story_vpnd_run
must vpnd_cmd owner add alice >/dev/null
must vpnd_cmd owner add bob >/dev/null

# The phone's config and, with [Web], the link that registers alice's key.
in_ns gateway "$(prog clientcfg)" -c "$CONF" alice-phone --owner alice --format conf \
	-o "$NET_TMP/phone.conf" 2>"$NET_TMP/clientcfg.err" || fail "clientcfg: $(cat "$NET_TMP/clientcfg.err")"
LINK=$(sed -n 's/^.*on the phone: //p' "$NET_TMP/clientcfg.err")
[[ $LINK == "$ORIGIN/register#"* ]] || fail "clientcfg printed no register link: $(cat "$NET_TMP/clientcfg.err")"
must in_ns gateway "$(prog clientcfg)" -c "$CONF" bob-phone --owner bob --format conf \
	-o "$NET_TMP/bob.conf" 2>/dev/null
story_phone_import "$NET_TMP/phone.conf"
story_phone_toggle
imap_refused phone || fail "IMAP reachable from the phone before activation"
log "phone configured, IMAP refused"

# The browser, driven line by line.
coproc WEB { in_ns phone /usr/bin/python3 "$SRC/tests/netns/webdriver.py" "$SPKI" \
	"MAP $DOMAIN $GW_PUB, MAP www.$DOMAIN $GW_PUB" "$NET_TMP/chromium" 2>"$NET_TMP/webdriver.err"; }
WEB_PID=$WEB_PID
on_cleanup "kill $WEB_PID 2>/dev/null"
ANSWER=""
# web CMD...: the browser's answer in ANSWER; false for an error.
web() {
	local line
	printf '%s\n' "$*" >&"${WEB[1]}"
	IFS= read -r -t 90 line <&"${WEB[0]}" || fail "the browser did not answer '$*': $(tail -n 3 "$NET_TMP/webdriver.err")"
	ANSWER=${line#* }
	[[ $line == ok* ]]
}
must_web() { web "$@" || fail "browser: $*: $ANSWER"; }
shot() { [ -z "${SCREENSHOTS:-}" ] || must_web screenshot "$SCREENSHOTS/$1.png"; }
IFS= read -r -t 60 ready <&"${WEB[0]}" || fail "chromium did not start: $(tail -n 5 "$NET_TMP/webdriver.err")"
[ "$ready" = "ok ready" ] || fail "chromium: $ready"
must_web authenticator ctap2 yes

# Register: the link's fragment holds the code; the page never sends it in
# a request line, so no log has it.
must_web open "$LINK"
shot register
must_web click register
must_web wait status 15 "Registered key"
shot register-done
log "registered: $ANSWER"
! grep -q "${LINK#*#}" "$NET_TMP/vpnd.log" || fail "the enrollment code is in vpnd's log"
vpnd_cmd key list alice | grep -q . || fail "alice has no key after the register page"

# Activate: name, touch, choose, open; IMAP through the phone's tunnel.
must vpnd_cmd owner set alice --window "${WINDOW}s" --idle off >/dev/null
must_web open "$ORIGIN/"
shot activate
must_web fill owner alice
must_web click activate
must_web wait status 15 "Choose the devices"
shot activate-devices
must_web check alice-phone
t0=$(date +%s.%N)
must_web click open
must_web wait status 10 "Open."
wait_for 5 imap_from phone || fail "no IMAP from the phone after the web activation"
t1=$(date +%s.%N)
shot activate-open
must_web text until
[ "$ANSWER" != "-" ] || fail "the page does not say when the window ends"
log "opened from the page; IMAP after $(echo "$t1 - $t0" | bc) s; open until $ANSWER"
grep -q "event=session-open peer=alice-phone .*by=web:alice" "$NET_TMP/vpnd.log" ||
	grep -q "peer=alice-phone" "$NET_TMP/vpnd.log" || fail "no audit line for the web session"

# The window ends: IMAP refused again.
wait_for $((WINDOW + 10)) imap_refused phone || fail "IMAP still reachable after the window"
log "window ended, IMAP refused"

# Extend and end from the page.
must vpnd_cmd owner set alice --window 10h >/dev/null
must_web click activate
must_web wait status 15 "Choose the devices"
must_web check alice-phone
must_web click open
must_web wait status 10 "Open."
must_web click end
must_web wait status 10 "Ended."
vpnd_cmd session list | grep -qw alice-phone && fail "the end button left the session open"
log "end button ended the session"

# JS helpers for hand-made calls, from the page's own script.
CALL='async (n, b) => (await fetch("/api/" + n, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(b)})).json()'
TOUCH='async (owner, uv) => { const c = await ('"$CALL"')("challenge", {owner}); if (!c.ok) throw new Error("challenge: " + c.error); const a = await navigator.credentials.get({publicKey: {challenge: unb64u(c.challenge), rpId: c.rpId, allowCredentials: c.allow.map(id => ({type: "public-key", id: unb64u(id)})), userVerification: uv || c.userVerification}}); return {owner, id: b64u(a.rawId), clientDataJSON: b64u(a.response.clientDataJSON), authenticatorData: b64u(a.response.authenticatorData), signature: b64u(a.response.signature)}; }'
# refused WHAT EXPECTED-ERROR JS: the JS's value is the error vpnd answered.
refused() {
	web eval "$3" || fail "$1: $ANSWER"
	[ "$ANSWER" = "\"$2\"" ] || fail "$1: expected $2, got $ANSWER"
	log "refused: $1 ($2)"
}

# A replayed assertion.
refused "replayed assertion" replayed "(async () => { const b = await ($TOUCH)('alice'); const r1 = await ($CALL)('activate', b); if (!r1.ok) return 'first: ' + r1.error; return (await ($CALL)('activate', b)).error; })()"
# Another owner's device, with alice's grant.
refused "another owner's device" not_permitted "(async () => { const r = await ($CALL)('activate', await ($TOUCH)('alice')); return (await ($CALL)('open', {owner: 'alice', grant: r.grant, devices: ['bob-phone']})).error; })()"
# A name that is no device looks the same.
refused "no such device" not_permitted "(async () => { const r = await ($CALL)('activate', await ($TOUCH)('alice')); return (await ($CALL)('open', {owner: 'alice', grant: r.grant, devices: ['nobody-phone']})).error; })()"
# A grant for alice does not open for bob.
refused "a grant of another owner" challenge_bad "(async () => { const r = await ($CALL)('activate', await ($TOUCH)('alice')); return (await ($CALL)('open', {owner: 'bob', grant: r.grant, devices: ['bob-phone']})).error; })()"
# A name that is no owner gets what an owner gets.
must_web eval "(async () => { const a = await ($CALL)('challenge', {owner: 'alice'}); const n = await ($CALL)('challenge', {owner: 'nobody'}); return Object.keys(a).join() === Object.keys(n).join() && n.allow.length === 1 && a.allow.length === 1; })()"
[ "$ANSWER" = true ] || fail "a name that is no owner looks different: $ANSWER"
# A disabled peer.
must vpnd_cmd peer disable alice-phone >/dev/null
refused "disabled peer" peer_disabled "(async () => { const r = await ($CALL)('activate', await ($TOUCH)('alice')); return (await ($CALL)('open', {owner: 'alice', grant: r.grant, devices: ['alice-phone']})).error; })()"
must vpnd_cmd peer enable alice-phone >/dev/null
# No user verification when the owner requires it (a PIN not given).
must vpnd_cmd owner set alice --require-uv yes >/dev/null
must_web uv no
refused "no user verification" uv_required "(async () => (await ($CALL)('activate', await ($TOUCH)('alice', 'discouraged'))).error)()"
must_web uv yes
must vpnd_cmd owner set alice --require-uv no >/dev/null
# Another origin: the same page at www.$DOMAIN, which the rp ID allows.
must_web open "https://www.$DOMAIN:8443/"
refused "another origin" wrong_target "(async () => (await ($CALL)('activate', await ($TOUCH)('alice'))).error)()"
must_web open "$ORIGIN/"
# A revoked key.
KEYID=$(vpnd_cmd key list alice | awk '/es256/ { print $2; exit }')
[ -n "$KEYID" ] || fail "no ES256 key to revoke: $(vpnd_cmd key list alice)"
# A locked key: bad signatures (with the UV refusal above, five
# failures), then a good one is refused.
refused "locked key" key_locked "(async () => { for (let i = 0; i < 5; i++) { const b = await ($TOUCH)('alice'); const s = unb64u(b.signature); new Uint8Array(s)[10] ^= 1; b.signature = b64u(s); const r = await ($CALL)('activate', b); if (r.error === 'key_locked') break; if (r.error !== 'bad_signature') return 'bad ' + i + ': ' + r.error; } return (await ($CALL)('activate', await ($TOUCH)('alice'))).error; })()"
must vpnd_cmd key unlock alice "$KEYID" >/dev/null
must vpnd_cmd key revoke alice "$KEYID" >/dev/null
refused "revoked key" credential_revoked "(async () => { const b = await ($TOUCH)('alice'); return (await ($CALL)('activate', b)).error; })()"

# Another rp ID: a credential made for example.test, offered with a new code.
code2=$(vpnd_cmd peer add alice-tab --owner alice --mobile | sed -n 's/^.*register#//p')
[ -n "$code2" ] || fail "peer add --mobile printed no register link"
refused "another rp ID" wrong_target "(async () => { const c = await ($CALL)('register-challenge', {code: '$code2'}); const k = await navigator.credentials.create({publicKey: {challenge: unb64u(c.challenge), rp: {id: 'example.test', name: 'x'}, user: {id: unb64u(c.user), name: 'x', displayName: 'x'}, pubKeyCredParams: [{type: 'public-key', alg: -7}]}}); return (await ($CALL)('register', {code: '$code2', clientDataJSON: b64u(k.response.clientDataJSON), attestationObject: b64u(k.response.attestationObject)})).error; })()"
# The code survived that refusal: an EdDSA key registers with it.
must_web eval "(async () => { const c = await ($CALL)('register-challenge', {code: '$code2'}); const k = await navigator.credentials.create({publicKey: {challenge: unb64u(c.challenge), rp: {id: c.rpId, name: 'x'}, user: {id: unb64u(c.user), name: 'x', displayName: 'x'}, pubKeyCredParams: [{type: 'public-key', alg: -8}], attestation: 'direct'}}); const r = await ($CALL)('register', {code: '$code2', clientDataJSON: b64u(k.response.clientDataJSON), attestationObject: b64u(k.response.attestationObject)}); return r.ok ? 'ok' : r.error; })()"
[ "$ANSWER" = '"ok"' ] || fail "an EdDSA key did not register: $ANSWER"
vpnd_cmd key list alice | grep -q eddsa || fail "no EdDSA key listed: $(vpnd_cmd key list alice)"
grep -q 'event=enrolled .*via=web attestation=packed' "$NET_TMP/vpnd.log" ||
	fail "no packed attestation checked: $(grep 'event=enrolled' "$NET_TMP/vpnd.log")"
log "EdDSA key registered (packed attestation)"
# A U2F key: fido-u2f attestation, then an activation with it.
code3=$(vpnd_cmd peer add alice-tab2 --owner alice --mobile | sed -n 's/^.*register#//p')
must_web authenticator u2f no
must_web open "$ORIGIN/register#$code3"
must_web click register
must_web wait status 15 "Registered key"
grep -q 'event=enrolled .*via=web attestation=fido-u2f' "$NET_TMP/vpnd.log" ||
	fail "no fido-u2f attestation: $(grep 'event=enrolled' "$NET_TMP/vpnd.log" | tail -n 1)"
must_web open "$ORIGIN/"
must_web fill owner alice
must_web click activate
must_web wait status 15 "Choose the devices"
log "U2F key registered and used"
# The status page, and the counters.
must_web open "$ORIGIN/status"
shot status
vpnd_cmd status | grep -q 'web-activations' || fail "vpnd status has no web counters"
printf 'quit\n' >&"${WEB[1]}"
pass "web page: register, activate, IMAP, window end, refusals"

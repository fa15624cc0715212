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
# SCREENSHOTS=DIR saves each page state at 390x844 there. WEB_MODE=proxy
# (web-proxy.sh): the same main path with vpnd serving plain HTTP on
# 127.0.0.1 behind nginx, which terminates TLS and names the client in
# X-Forwarded-For, trusted from 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/netns/web-lib.sh"
WINDOW=12

web_setup
web_browser
web_register


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
grep -q "event=session-open peer=alice-phone owner=alice by=web:alice " "$NET_TMP/vpnd.log" ||
	fail "no audit line for the web session: $(grep alice-phone "$NET_TMP/vpnd.log" | tail -n 3)"

# The window ends: IMAP refused again.
wait_for $((WINDOW + 10)) imap_refused phone || fail "IMAP still reachable after the window"
log "window ended, IMAP refused"

if [ "$MODE" = proxy ]; then
	# The client is the phone, as nginx said, not the proxy.
	grep -q "event=web-authenticated owner=alice .*src=$PHONE_ADDR" "$NET_TMP/vpnd.log" ||
		fail "the audit line does not name the phone: $(grep web-authenticated "$NET_TMP/vpnd.log")"
	# Straight to vpnd from the phone: its X-Forwarded-For is not believed.
	in_ns phone curl -s -o /dev/null -H 'Content-Type: application/json' \
		-H 'X-Forwarded-For: 203.0.113.66' --data '{"owner":"mallory"}' \
		"http://$GW_PUB:8080/api/activate"
	grep "op=web-activate" "$NET_TMP/vpnd.log" | tail -n 1 | grep -q "src=$PHONE_ADDR" ||
		fail "an untrusted X-Forwarded-For was believed: $(grep op=web-activate "$NET_TMP/vpnd.log" | tail -n 1)"
	printf 'quit\n' >&"${WEB[1]}"
	pass "web page behind nginx: register, activate, IMAP, window end; X-Forwarded-For from the proxy only"
fi

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
must_web eval "(async () => { const a = await ($CALL)('challenge', {owner: 'alice'}); const n = await ($CALL)('challenge', {owner: 'nobody'}); return Object.keys(a).join() === Object.keys(n).join() && n.allow.length === 1 && a.allow.length === 1 && a.userVerification === n.userVerification; })()"
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
# A grant and a session from the page, then the key is revoked: the
# session ends with it and the grant opens nothing any more.
must_web eval "(async () => { const r = await ($CALL)('activate', await ($TOUCH)('alice')); window.kgGrant = r.grant; return (await ($CALL)('open', {owner: 'alice', grant: r.grant, devices: ['alice-phone']})).ok; })()"
[ "$ANSWER" = true ] || fail "the page did not open alice-phone before the revoke: $ANSWER"
vpnd_cmd session list | grep -qw alice-phone || fail "no session for alice-phone before the revoke"
must vpnd_cmd key revoke alice "$KEYID" >/dev/null
vpnd_cmd session list | grep -qw alice-phone && fail "revoking the key left the page's session open"
grep -q "event=session-end peer=alice-phone owner=alice reason=revoked" "$NET_TMP/vpnd.log" ||
	fail "no revoked end for the page's session: $(grep alice-phone "$NET_TMP/vpnd.log" | tail -n 2)"
refused "a grant made before the key was revoked" challenge_bad "(async () => (await ($CALL)('open', {owner: 'alice', grant: window.kgGrant, devices: ['alice-phone']})).error)()"
refused "revoked key" credential_revoked "(async () => { const b = await ($TOUCH)('alice'); return (await ($CALL)('activate', b)).error; })()"

# Another rp ID: a credential made for example.test, offered with a new code.
code2=$(vpnd_cmd peer add alice-tab --owner alice --mobile --new-key | sed -n 's/^.*register#//p')
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
code3=$(vpnd_cmd peer add alice-tab2 --owner alice --mobile --new-key | sed -n 's/^.*register#//p')
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
# Attestation "none", as a browser sends it when the page asks for none.
code4=$(vpnd_cmd peer add alice-tab3 --owner alice --mobile --new-key | sed -n 's/^.*register#//p')
must_web authenticator ctap2 yes
must_web eval "(async () => { const c = await ($CALL)('register-challenge', {code: '$code4'}); const k = await navigator.credentials.create({publicKey: {challenge: unb64u(c.challenge), rp: {id: c.rpId, name: 'x'}, user: {id: unb64u(c.user), name: 'x', displayName: 'x'}, pubKeyCredParams: [{type: 'public-key', alg: -7}], attestation: 'none'}}); const r = await ($CALL)('register', {code: '$code4', clientDataJSON: b64u(k.response.clientDataJSON), attestationObject: b64u(k.response.attestationObject)}); return r.ok ? 'ok' : r.error; })()"
[ "$ANSWER" = '"ok"' ] || fail "a key with attestation none did not register: $ANSWER"
grep -q 'event=enrolled .*via=web attestation=none' "$NET_TMP/vpnd.log" ||
	fail "no attestation none: $(grep 'event=enrolled' "$NET_TMP/vpnd.log" | tail -n 1)"
log "attestation none registered"
# A code made while carol had no key, used after she has one: it needs an
# existing key's signature (as for enroll), which the page cannot ask for,
# so it refuses before any touch and says what to do. A code for an owner
# with keys gets no link at all unless it is a recovery code.
c1=$(vpnd_cmd peer add carol-phone --owner carol --mobile | sed -n 's/^.*register#//p')
c2=$(vpnd_cmd peer add carol-tab --owner carol --mobile | sed -n 's/^.*register#//p')
[ -n "$c1" ] && [ -n "$c2" ] || fail "no register links for carol"
must_web open "$ORIGIN/register#$c1"
must_web click register
must_web wait status 15 "Registered key"
must_web open "$ORIGIN/register#$c2"
must_web click register
must_web wait status 15 "recovery code"
grep -q 'event=activation-refused op=web-register peer=carol-tab reason=key_required' \
	"$NET_TMP/vpnd.log" || fail "no key_required refusal: $(grep 'web-register' "$NET_TMP/vpnd.log" | tail -n 2)"
[ "$(vpnd_cmd key list carol | grep -c -E 'es256|eddsa')" = 1 ] ||
	fail "the refused code added a key: $(vpnd_cmd key list carol)"
vpnd_cmd peer add carol-tab2 --owner carol --mobile 2>/dev/null | grep -q register# &&
	fail "a code that needs a key got a register link"
log "refused: a code that needs an existing key (key_required), no link for one"
# Disabling a peer voids its codes, for the page as for enroll.
c3=$(vpnd_cmd peer add carol-tab3 --owner carol --mobile --new-key | sed -n 's/^.*register#//p')
[ -n "$c3" ] || fail "no register link for a recovery code"
must vpnd_cmd peer disable carol-tab3 >/dev/null
must_web open "$ORIGIN/register#$c3"
must_web click register
must_web wait status 15 "unknown or was already used"
[ "$(vpnd_cmd key list carol | grep -c -E 'es256|eddsa')" = 1 ] ||
	fail "a disabled peer's code added a key: $(vpnd_cmd key list carol)"
log "refused: the code of a disabled peer (code_unknown)"
# A name with no key here: the browser finds none, the page says so.
must_web open "$ORIGIN/"
must_web fill owner nobody
must_web click activate
must_web wait status 15 "not registered here"
shot activate-refused
# A renewed certificate: SIGHUP, and the child's server restarts on the
# same socket inside its sandbox, serving the new one.
served() { in_ns phone openssl s_client -connect "$GW_PUB:8443" -servername "$DOMAIN" </dev/null 2>/dev/null |
	openssl x509 -noout -fingerprint -sha256; }
old=$(served)
openssl req -x509 -new -key "$NET_TMP/web.key" -days 3 -subj "/CN=$DOMAIN" \
	-addext "subjectAltName=DNS:$DOMAIN,DNS:www.$DOMAIN" -out "$NET_TMP/web.crt.new" 2>/dev/null &&
	mv "$NET_TMP/web.crt.new" "$NET_TMP/web.crt" || fail "openssl: no new certificate"
new=$(openssl x509 -in "$NET_TMP/web.crt" -noout -fingerprint -sha256)
[ "$old" != "$new" ] || fail "the renewed certificate is the old one"
child=$(vpnd_cmd status | sed -n 's/^netchild-pid: *//p')
kill -HUP "$(pgrep -f "vpnd run -c $CONF" | head -n 1)"
serves_new() { [ "$(served)" = "$new" ]; }
wait_for 5 serves_new ||
	fail "after SIGHUP the page still serves the old certificate: $(served)"
[ "$(vpnd_cmd status | sed -n 's/^netchild-pid: *//p')" = "$child" ] ||
	fail "the network child was restarted for a new certificate: $(tail -n 5 "$NET_TMP/vpnd.log")"
log "SIGHUP: the renewed certificate is served by the same child"
# The status page, and the counters.
must_web open "$ORIGIN/status"
must_web fill owner alice
must_web click activate
must_web wait devices 15 "alice-phone: closed: disabled, or its key revoked"
log "status page: $ANSWER"
shot status
vpnd_cmd status | grep -q 'web-activations' || fail "vpnd status has no web counters"
# The filter let the whole session of pages through: no child was killed.
restarts=$(vpnd_cmd status | sed -n 's/^netchild-restarts: *//p')
[ "$restarts" = 0 ] || fail "the network child was restarted $restarts times: $(grep -i netchild "$NET_TMP/vpnd.log" | tail -n 3)"
printf 'quit\n' >&"${WEB[1]}"
pass "web page: register, activate, IMAP, window end, refusals"

# SPDX-License-Identifier: ISC
# shellcheck shell=bash
#
# The web page's hosts (tests/netns/web.sh, bench/web.sh): story.sh's
# network, dovecot and vpnd with [Web] (TLS on 8443, or WEB_MODE=proxy:
# plain HTTP behind nginx on 443), alice and bob with a phone each from
# clientcfg, and a headless chromium in the phone's namespace driven by
# webdriver.py through the coprocess WEB:
#   web_setup; web_browser; web_register
. "$SRC/tests/netns/dovecot.sh"
. "$SRC/tests/netns/story.sh"
DOMAIN=gw.example.test
MODE=${WEB_MODE:-direct}
ORIGIN=https://$DOMAIN:8443
[ "$MODE" = proxy ] && ORIGIN=https://$DOMAIN
PHONE_ADDR=192.0.2.130

web_setup() {
	need vpnd init run peer session owner key "run the gateway"
	need clientcfg "make the phone's config"
	command -v chromium >/dev/null || fail "chromium not installed (scripts/install-deps test)"
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
	if [ "$MODE" = proxy ]; then
		command -v nginx >/dev/null || fail "nginx not installed (scripts/install-deps test)"
		# vpnd on 127.0.0.1 and on the public address (to show an untrusted
		# X-Forwarded-For is ignored); nginx in front on 443.
		printf '\n[Web]\nDomain = %s\nListen = 0.0.0.0:8080\nTrustedProxies = 127.0.0.1\n' \
			"$DOMAIN" >>"$CONF"
		mkdir -p "$NET_TMP/nginx"
		cat >"$NET_TMP/nginx/nginx.conf" <<-EON
	daemon off;
	worker_processes 1;
	pid $NET_TMP/nginx/nginx.pid;
	error_log $NET_TMP/nginx/error.log;
	events { worker_connections 64; }
	http {
		access_log off;
		client_body_temp_path $NET_TMP/nginx/body;
		proxy_temp_path $NET_TMP/nginx/proxy;
		server {
			listen $GW_PUB:443 ssl;
			server_name $DOMAIN;
			ssl_certificate $NET_TMP/web.crt;
			ssl_certificate_key $NET_TMP/web.key;
			location / {
				proxy_pass http://127.0.0.1:8080;
				proxy_set_header Host \$host;
				proxy_set_header X-Forwarded-For \$remote_addr;
				proxy_set_header X-Forwarded-Proto https;
			}
		}
	}
	EON
		bg_ns gateway nginx nginx -c "$NET_TMP/nginx/nginx.conf" >/dev/null
	else
		cat >>"$CONF" <<-EOC

	[Web]
	Domain = $DOMAIN
	Listen = $GW_PUB:8443
	Certificate = $NET_TMP/web.crt
	Key = $NET_TMP/web.key
	EOC
	fi
	story_vpnd_run
	[ "$MODE" != proxy ] || wait_for 5 in_ns gateway nc -z "$GW_PUB" 443 || fail "nginx did not start"
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
}

web_browser() {
	# The browser, driven line by line.
	coproc WEB { in_ns phone /usr/bin/python3 "$SRC/tests/netns/webdriver.py" "$SPKI" \
		"MAP $DOMAIN $GW_PUB, MAP www.$DOMAIN $GW_PUB" "$NET_TMP/chromium" 2>"$NET_TMP/webdriver.err"; }
	WEB_PID=$WEB_PID
	on_cleanup "kill $WEB_PID 2>/dev/null"
	IFS= read -r -t 60 ready <&"${WEB[0]}" || fail "chromium did not start: $(tail -n 5 "$NET_TMP/webdriver.err")"
	[ "$ready" = "ok ready" ] || fail "chromium: $ready"
	must_web authenticator ctap2 yes
}

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

# Registers alice's key from clientcfg's link, on the register page.
web_register() {
	# Register: the link's fragment holds the code; the page never sends it in
	# a request line, so no log has it.
	must_web open "$LINK"
	shot register
	must_web click register
	must_web wait status 15 "Registered key"
	log "registered: $ANSWER"
	shot register-done
	! grep -q "${LINK#*#}" "$NET_TMP/vpnd.log" || fail "the enrollment code is in vpnd's log"
	vpnd_cmd key list alice | grep -q . || fail "alice has no key after the register page"
}

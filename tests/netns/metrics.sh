#!/bin/bash
# SPDX-License-Identifier: ISC
# The metrics, as an admin's Prometheus sees them: vpnd with `[Metrics]
# Listen` on the gateway's loopback, and Debian's prometheus, started here
# with its own configuration and storage, scraping it every second. The
# page passes `promtool check metrics`; after an activation the query API
# says keygate_live_sessions 1, and 0 once the (8 s) window has ended, with
# the session end counted as expired. A datagram of junk on the activation
# port and a connection to a mail port from outside show in their drop
# counters; the firewall table is there. Only GET /metrics is served, and
# the web page's server runs beside it in the same child.
. "$(dirname "$0")/activation-lib.sh"
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus)}
PROMTOOL=${PROMTOOL:-$(command -v promtool)}
[ -x "$PROMETHEUS" ] && [ -x "$PROMTOOL" ] ||
	fail "no prometheus and promtool (Debian package prometheus; scripts/install-deps)"
PORT=9586
PROM=127.0.0.1:9090

act_hosts
GW_PUB=$(must "$VPND" init -c "$CONF" --interface "$GWIF" --address 10.77.0.1/24 \
	--endpoint 192.0.2.1:51820 --state-dir "$NET_TMP/state" --window 8s \
	--control-socket "$NET_TMP/run/vpnd.sock") || fail "vpnd init failed"
printf '\n[Metrics]\nListen = 127.0.0.1:%s\n' "$PORT" >>"$CONF"
# The web page on too: two servers in the child, at fds 7 and 10.
printf '\n[Web]\nDomain = gw.example.org\nListen = 127.0.0.1:8080\nTrustedProxies = 127.0.0.1\n' >>"$CONF"
on_cleanup act_teardown
vpnd_start
softkey_start key1 --pin "$PIN"

scrape() { in_ns gw curl -sS --max-time 3 "$@" "http://127.0.0.1:$PORT/metrics"; }
wait_for 5 scrape -f -o /dev/null || {
	cat "$NET_TMP/vpnd.log" >&2
	fail "no metrics page: $(scrape -i 2>&1)"
}
page=$(scrape -D "$NET_TMP/headers") || fail "cannot scrape"
grep -qi '^content-type: text/plain; version=0.0.4' "$NET_TMP/headers" ||
	fail "the page's type: $(cat "$NET_TMP/headers")"
lint=$(printf '%s\n' "$page" | "$PROMTOOL" check metrics 2>&1) ||
	fail "promtool check metrics: $lint"
[ -z "$lint" ] || fail "promtool check metrics found: $lint"
grep -q '^keygate_build_info{version="[0-9.]*"} 1$' <<<"$page" || fail "no build info: $page"
grep -q '^keygate_firewall_table_present 1$' <<<"$page" || fail "no table: $page"
code=$(in_ns gw curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics")
[ "$code" = 405 ] || fail "POST /metrics answered $code"
code=$(in_ns gw curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")
[ "$code" = 404 ] || fail "GET / answered $code"
code=$(in_ns gw curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/)
[ "$code" = 200 ] || fail "the web page beside the metrics answered $code"
# Not on the gateway's outside address: Listen is loopback.
in_ns laptop curl -s --max-time 2 -o /dev/null "http://192.0.2.1:$PORT/metrics" &&
	fail "the metrics answer on the outside address"

# Prometheus, as Debian ships it, with its own config and storage.
mkdir -p "$NET_TMP/prom"
cat >"$NET_TMP/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: keygate
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
bg_ns gw prometheus "$PROMETHEUS" --config.file="$NET_TMP/prom/prometheus.yml" \
	--storage.tsdb.path="$NET_TMP/prom/data" --web.listen-address="$PROM" \
	--log.level=warn >/dev/null
# query EXPR: the value of the first series, or nothing.
query() {
	in_ns gw curl -s --max-time 3 "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
is() { [ "$(query "$1")" = "$2" ]; }
wait_for 20 is 'up{job="keygate"}' 1 || {
	cat "$NET_TMP/prometheus.log" >&2
	fail "prometheus does not scrape vpnd: up is '$(query 'up{job="keygate"}')'"
}
is keygate_live_sessions 0 || fail "live sessions before any: '$(query keygate_live_sessions)'"

# Junk on the activation port, and a mail port from outside the tunnel.
in_ns laptop bash -c 'printf junk >/dev/udp/192.0.2.1/51821'
in_ns laptop nc -z -w 1 192.0.2.1 143 >/dev/null 2>&1
wait_for 5 is 'keygate_activation_datagrams_dropped_total{reason="malformed"} > bool 0' 1 ||
	wait_for 5 is 'sum(keygate_activation_datagrams_dropped_total) >= bool 1' 1 ||
	fail "the junk datagram is not counted: $(scrape | grep dropped_total)"
wait_for 5 is 'keygate_firewall_dropped_packets_total{chain="input"} > bool 0' 1 ||
	fail "the wall's drop is not counted: $(scrape | grep firewall_dropped)"

# An activation: 1 while the window is open, 0 after.
uri=$(vpnd_cmd peer add laptop --owner alice --address 10.77.0.2) || fail "peer add failed"
must enroll_as key1 "$PIN" -- register "$uri" >/dev/null
is 'keygate_peers{state="ready"}' 1 || wait_for 10 is 'keygate_peers{state="ready"}' 1 ||
	fail "the enrolled peer is not ready: $(scrape | grep keygate_peers)"
must enroll_as key1 "$PIN" -- up "$LIF" >/dev/null
opened=$(date +%s)
wait_for 5 is keygate_live_sessions 1 ||
	fail "prometheus does not see the session: '$(query keygate_live_sessions)'"
is 'keygate_peers{state="open"}' 1 || fail "the peer is not open: $(scrape | grep keygate_peers)"
is 'keygate_activation_requests_total{result="ok"} >= bool 2' 1 ||
	fail "the register and up are not counted ok: $(scrape | grep requests_total)"
log "live session seen by prometheus $(($(date +%s) - opened)) s after up"
wait_for 15 is keygate_live_sessions 0 || fail "the session outlived its window in prometheus"
log "and 0 again $(($(date +%s) - opened)) s after up (window 8 s)"
[ -z "$(gw_peers)" ] || fail "the peer is still on the interface"
is 'keygate_session_ends_total{reason="expired"}' 1 ||
	wait_for 3 is 'keygate_session_ends_total{reason="expired"}' 1 ||
	fail "the end is not counted as expired: $(scrape | grep session_ends)"

# The network child restarted: counted, and the page is back.
child=$(vpnd_cmd status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["netchild-pid"])')
kill -KILL "$child"
wait_for 10 is keygate_netchild_restarts_total 1 ||
	fail "the restart is not counted: $(scrape | grep restarts)"
pass "prometheus saw the session open and end"

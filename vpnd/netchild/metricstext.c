/* SPDX-License-Identifier: ISC */
/* The snapshot as Prometheus text (metricstext.h). */
#include "config.h"
#include "netchild/metricstext.h"
#include "proto/proto.h"

static void head(struct strbuf *o, const char *name, const char *type, const char *help)
{
	strbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct strbuf *o, const char *name, const char *type, const char *help, uint64_t v)
{
	head(o, name, type, help);
	strbuf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

static void labelled(struct strbuf *o, const char *name, const char *label, const char *value,
		     uint64_t v)
{
	strbuf_printf(o, "%s{%s=\"%s\"} %llu\n", name, label, value, (unsigned long long)v);
}

static void activation(struct strbuf *o, const struct actstats *a)
{
	static const char *const drop_names[] = {"socket", "malformed",    "mac0",      "mac1",
						 "rate",   "global",       "challenge", "replay",
						 "busy",   "undecryptable"};
	const uint64_t drops[] = {
		a->drop_socket, a->drop_malformed, a->drop_mac0,   a->drop_mac1, a->drop_rate,
		a->drop_global, a->drop_challenge, a->drop_replay, a->drop_busy, a->drop_decrypt};

	one(o, "keygate_activation_datagrams_received_total", "counter",
	    "Datagrams read from the activation port.", a->received);
	head(o, "keygate_activation_datagrams_dropped_total", "counter",
	     "Activation datagrams dropped unanswered, by reason.");
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		labelled(o, "keygate_activation_datagrams_dropped_total", "reason", drop_names[i],
			 drops[i]);
	head(o, "keygate_activation_requests_total", "counter",
	     "Decrypted requests on the activation port (activate, enroll, add-key, "
	     "deactivate, status), by the result answered.");
	for (int i = 0; i <= PROTO_ERR_WIRE_MAX; i++)
		labelled(o, "keygate_activation_requests_total", "result", proto_errname(i),
			 a->replies[i]);
}

void metricstext_render(const struct metrics_snap *s, struct strbuf *o)
{
	head(o, "keygate_build_info", "gauge", "The running vpnd's version; always 1.");
	strbuf_printf(o, "keygate_build_info{version=\"%s\"} 1\n", KEYGATE_VERSION);
	one(o, "keygate_start_time_seconds", "gauge", "When vpnd started, in unix seconds.",
	    s->start_time);
	one(o, "keygate_live_sessions", "gauge",
	    "Sessions whose window is open: peers on the interface.", s->sessions);
	one(o, "keygate_owners", "gauge", "Owners in the registry.", s->owners);
	head(o, "keygate_peers", "gauge", "Peers in the registry, by state.");
	for (int i = 0; i < METRICS_PEERS; i++)
		labelled(o, "keygate_peers", "state", metricsmsg_peer_name(i), s->peers[i]);
	head(o, "keygate_session_ends_total", "counter", "Sessions ended since start, by reason.");
	for (int i = 0; i < METRICS_ENDS; i++)
		labelled(o, "keygate_session_ends_total", "reason", metricsmsg_end_name(i),
			 s->ends[i]);
	activation(o, &s->act);
	one(o, "keygate_netchild_restarts_total", "counter",
	    "Times the network child was restarted.", s->netchild_restarts);
	one(o, "keygate_netchild_violations_total", "counter",
	    "Messages of the network child the monitor refused.", s->netchild_violations);
	one(o, "keygate_lockouts", "gauge", "Security keys locked out now after failures.",
	    s->lockouts_active);
	one(o, "keygate_lockouts_total", "counter", "Lockouts begun since start.", s->lockouts);
	one(o, "keygate_firewall_table_present", "gauge",
	    "1 while nftables table inet keygate is there, 0 when it is missing.", s->fw_table);
	head(o, "keygate_firewall_dropped_packets_total", "counter",
	     "Packets the drop rules of table inet keygate dropped, by chain.");
	for (int i = 0; i < METRICS_FW_CHAINS; i++)
		labelled(o, "keygate_firewall_dropped_packets_total", "chain",
			 metricsmsg_fw_name(i), s->fw_packets[i]);
	head(o, "keygate_firewall_dropped_bytes_total", "counter",
	     "Bytes the drop rules of table inet keygate dropped, by chain.");
	for (int i = 0; i < METRICS_FW_CHAINS; i++)
		labelled(o, "keygate_firewall_dropped_bytes_total", "chain", metricsmsg_fw_name(i),
			 s->fw_bytes[i]);
}

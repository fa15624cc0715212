/* SPDX-License-Identifier: ISC */
/* [Metrics] in vpnd.conf, the snapshot's codec, its text, and the counters
 * the monitor adds for it (session ends, lockouts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/actmsg.h"
#include "common/metricsmsg.h"
#include "gateway/conf.h"
#include "monitor/ends.h"
#include "monitor/lockout.h"
#include "netchild/metricstext.h"

static const char base[] = "[Interface]\n"
			   "Name = wg7\n"
			   "Address = 10.77.0.1/24\n"
			   "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
			   "Endpoint = vpn.example.org:51000\n";

static int parse(struct conf *c, const char *tail, char err[ERR_LEN])
{
	char text[1024];

	snprintf(text, sizeof(text), "%s%s", base, tail);
	return conf_parse(c, text, strlen(text), "vpnd.conf", err);
}

static void conf_section(void **state)
{
	struct conf c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse(&c, "", err), 0);
	assert_false(c.metrics.enabled);
	assert_int_equal(parse(&c, "[Metrics]\nListen = 127.0.0.1:9586\n", err), 0);
	assert_true(c.metrics.enabled);
	assert_string_equal(c.metrics.listen_host, "127.0.0.1");
	assert_int_equal(c.metrics.listen_port, 9586);
	assert_int_equal(parse(&c, "[metrics]\nlisten = [::1]:9586\n", err), 0);
	assert_string_equal(c.metrics.listen_host, "::1");

	assert_int_equal(parse(&c, "[Metrics]\nListen = localhost:9586\n", err), -EINVAL);
	assert_string_equal(err, "invalid metrics listen address 'localhost:9586' at vpnd.conf:7: "
				 "expected ADDRESS:PORT, as 127.0.0.1:9586 or [::1]:9586");
	assert_int_equal(parse(&c, "[Metrics]\nListen = 127.0.0.1:0\n", err), -EINVAL);
	assert_non_null(strstr(err, "'127.0.0.1:0' at vpnd.conf:7"));
	assert_int_equal(parse(&c, "[Metrics]\nPort = 9586\n", err), -EINVAL);
	assert_string_equal(err, "unknown key 'Port' at vpnd.conf:7");
	assert_int_equal(parse(&c, "[Metrics]\nListen = 127.0.0.1:1\nListen = 127.0.0.1:2\n", err),
			 -EINVAL);
	assert_string_equal(err, "duplicate key 'Listen' at vpnd.conf:8");
	assert_int_equal(parse(&c, "[Metrics]\n", err), -EINVAL);
	assert_string_equal(err, "vpnd.conf: [Metrics] needs Listen");
}

static void sample(struct metrics_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->start_time = 1764000000;
	s->sessions = 3;
	s->owners = 2;
	s->peers[METRICS_PEER_OPEN] = 3;
	s->peers[METRICS_PEER_PENDING] = 1;
	s->ends[METRICS_END_IDLE] = 7;
	s->ends[METRICS_END_REGISTRY_CHANGED] = 1;
	s->netchild_restarts = 2;
	s->lockouts_active = 1;
	s->lockouts = 4;
	s->fw_table = 1;
	s->fw_packets[METRICS_FW_TUNNEL] = 99;
	s->fw_bytes[METRICS_FW_TUNNEL] = 9900;
	s->act.received = 1000;
	s->act.drop_mac0 = 17;
	s->act.drop_socket = 5;
	s->act.replies[PROTO_OK] = 40;
	s->act.replies[PROTO_ERR_BAD_SIGNATURE] = 6;
	s->act.replies[PROTO_ERR_VERSION] = UINT64_MAX;
	s->act.replies[PROTO_ERR_STORE_UNAVAILABLE] = 3;
}

static void codec(void **state)
{
	struct metrics_snap s, back;
	uint8_t buf[METRICSMSG_LEN + 8];
	size_t len;

	(void)state;
	sample(&s);
	metricsmsg_encode(buf, &len, &s);
	assert_int_equal(len, METRICSMSG_LEN);
	assert_int_equal(actmsg_type(buf, len), ACTMSG_METRICS);
	assert_int_equal(metricsmsg_decode(&back, buf, len), 0);
	assert_memory_equal(&back, &s, sizeof(s));

	/* One byte short or long, another count, another type: refused. */
	assert_int_equal(metricsmsg_decode(&back, buf, len - 1), -EBADMSG);
	assert_int_equal(back.sessions, 0);
	buf[len] = 0;
	assert_int_equal(metricsmsg_decode(&back, buf, len + 1), -EBADMSG);
	buf[1]++;
	assert_int_equal(metricsmsg_decode(&back, buf, len), -EBADMSG);
	buf[1]--;
	buf[0] = ACTMSG_STATS;
	assert_int_equal(metricsmsg_decode(&back, buf, len), -EBADMSG);
	buf[0] = ACTMSG_METRICS;
	/* The table's flag is 0 or 1. */
	s.fw_table = 2;
	metricsmsg_encode(buf, &len, &s);
	assert_int_equal(metricsmsg_decode(&back, buf, len), -EBADMSG);
	assert_int_equal(metricsmsg_decode(&back, buf, 0), -EBADMSG);
}

static void has_line(const char *page, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (strstr(page, want) == NULL)
		fail_msg("no line '%s' in:\n%s", line, page);
}

static void text(void **state)
{
	struct metrics_snap s;
	struct strbuf o;

	(void)state;
	sample(&s);
	strbuf_init(&o);
	metricstext_render(&s, &o);
	assert_int_equal(strbuf_error(&o), 0);
	assert_true(strncmp(o.buf, "# HELP keygate_build_info ", 26) == 0);
	has_line(o.buf, "# TYPE keygate_build_info gauge");
	has_line(o.buf, "keygate_live_sessions 3");
	has_line(o.buf, "# TYPE keygate_live_sessions gauge");
	has_line(o.buf, "keygate_peers{state=\"open\"} 3");
	has_line(o.buf, "keygate_peers{state=\"pending\"} 1");
	has_line(o.buf, "keygate_peers{state=\"disabled\"} 0");
	has_line(o.buf, "keygate_session_ends_total{reason=\"idle\"} 7");
	has_line(o.buf, "keygate_session_ends_total{reason=\"registry_changed\"} 1");
	has_line(o.buf, "# TYPE keygate_session_ends_total counter");
	has_line(o.buf, "keygate_activation_datagrams_received_total 1000");
	has_line(o.buf, "keygate_activation_datagrams_dropped_total{reason=\"mac0\"} 17");
	has_line(o.buf, "keygate_activation_datagrams_dropped_total{reason=\"socket\"} 5");
	has_line(o.buf, "keygate_activation_requests_total{result=\"ok\"} 40");
	has_line(o.buf, "keygate_activation_requests_total{result=\"bad_signature\"} 6");
	has_line(o.buf,
		 "keygate_activation_requests_total{result=\"version\"} 18446744073709551615");
	has_line(o.buf, "keygate_activation_requests_total{result=\"store_unavailable\"} 3");
	has_line(o.buf, "keygate_netchild_restarts_total 2");
	has_line(o.buf, "keygate_lockouts 1");
	has_line(o.buf, "keygate_lockouts_total 4");
	has_line(o.buf, "keygate_firewall_table_present 1");
	has_line(o.buf, "keygate_firewall_dropped_packets_total{chain=\"tunnel\"} 99");
	has_line(o.buf, "keygate_firewall_dropped_bytes_total{chain=\"tunnel\"} 9900");
	has_line(o.buf, "keygate_start_time_seconds 1764000000");
	assert_int_equal(o.buf[o.len - 1], '\n');
	strbuf_finish(&o);
}

static void end_reasons(void **state)
{
	struct ends *e = NULL;

	(void)state;
	assert_int_equal(metricsmsg_end_of("expired"), METRICS_END_EXPIRED);
	assert_int_equal(metricsmsg_end_of("registry-changed"), METRICS_END_REGISTRY_CHANGED);
	assert_int_equal(metricsmsg_end_of("something-new"), METRICS_END_OTHER);
	assert_int_equal(metricsmsg_end_of(""), METRICS_END_OTHER);
	assert_int_equal(ends_create(&e), 0);
	ends_note(e, "laptop", "idle", 10, 0);
	ends_note(e, "laptop", "idle", 10, 0);
	ends_note(e, "phone", "killed", 0, 0);
	ends_note(e, "phone", "what", 0, 0);
	assert_int_equal(ends_total(e, METRICS_END_IDLE), 2);
	assert_int_equal(ends_total(e, METRICS_END_KILLED), 1);
	assert_int_equal(ends_total(e, METRICS_END_OTHER), 1);
	assert_int_equal(ends_total(e, METRICS_END_EXPIRED), 0);
	assert_int_equal(ends_total(e, METRICS_ENDS), 0);
	ends_destroy(&e);
}

static void lockouts_begun(void **state)
{
	struct lockout *l = NULL;
	int locked = 0;

	(void)state;
	assert_int_equal(lockout_create(&l), 0);
	assert_int_equal(lockout_locks(l), 0);
	for (int i = 0; i < 20; i++)
		locked += lockout_fail(l, "alice", "k1", 100);
	assert_true(locked >= 1);
	assert_int_equal(lockout_locks(l), (uint64_t)locked);
	lockout_destroy(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_section),   cmocka_unit_test(codec),
		cmocka_unit_test(text),           cmocka_unit_test(end_reasons),
		cmocka_unit_test(lockouts_begun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

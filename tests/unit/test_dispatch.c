/* SPDX-License-Identifier: ISC */
/*
 * The monitor's dispatch table (vpnd/monitor/dispatch.c): every message the
 * network child may send is answered in the states that allow it and
 * refused in the others, and so is every message it may not send at all.
 * A refusal is counted and audited as event=netchild-violation. What the
 * table should allow is written out here again, apart from the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/actmsg.h"
#include "monitor/actport.h"
#include "common/webmsg.h"
#include "monitor/web.h"
#include "monitor/audit.h"
#include "monitor/dispatch.h"
#include "monitor/ends.h"
#include "monitor/lockout.h"
#include "monitor/mailtab.h"
#include "common/mailmsg.h"
#include "monitor/verify.h"

struct fixture {
	char dir[64], audit[96];
	struct vpnd d;
	struct dispatch dp;
	int sv[2]; /* sv[0]: the monitor's end, sv[1]: the child's */
	uint32_t seq;
};

/* What the child may send, and when: STARTED, SERVING, both or never. */
static const struct {
	int type;
	unsigned states;
	uint8_t status; /* for the operations: the reply to an unknown peer */
} allowed[] = {
	{ACTMSG_READY, DISPATCH_STARTED, 0},
	{ACTMSG_STATS, DISPATCH_STARTED | DISPATCH_SERVING, 0},
	{ACTMSG_ACTIVATE, DISPATCH_SERVING, PROTO_ERR_NOT_ENROLLED},
	{ACTMSG_ENROLL, DISPATCH_SERVING, PROTO_ERR_CODE_UNKNOWN},
	{ACTMSG_ADD_KEY, DISPATCH_SERVING, PROTO_ERR_NOT_ENROLLED},
	{ACTMSG_DEACTIVATE, DISPATCH_SERVING, PROTO_ERR_NOT_ENROLLED},
	{ACTMSG_STATUS, DISPATCH_SERVING, PROTO_ERR_NOT_ENROLLED},
	{ACTMSG_WEB_REQ, DISPATCH_SERVING, 0},
	{ACTMSG_WEB_CONF, 0, 0},
	{ACTMSG_WEB_RESULT, 0, 0},
	{ACTMSG_MAIL_REFUSED, DISPATCH_SERVING, 0},
	{ACTMSG_MAIL_TABLE, 0, 0},
	{ACTMSG_INIT, 0, 0},
	{ACTMSG_RESULT, 0, 0},
	{ACTMSG_METRICS, 0, 0}, /* the monitor's push; never from the child */
	{0, 0, 0},
	{3, 0, 0}, /* the one OP of all operations, before each had its type */
	{ACTMSG_OPS, 0, 0},
	{ACTMSG_STATUS + 1, 0, 0},
	{0xff, 0, 0},
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/keygate-test-dispatch-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->audit, sizeof(f->audit), "%s/audit.log", f->dir);
	if (audit_open(f->audit) < 0)
		return -1;
	/* The daemon's state the operations read: an empty registry, no
	 * sessions, and the activation port's tables. */
	session_init(&f->d.sessions);
	snprintf(f->d.conf.state_dir, sizeof(f->d.conf.state_dir), "%s", f->dir);
	f->d.conf.activation_rate = CONF_DEFAULT_ACTIVATION_RATE;
	if (registry_create(&f->d.reg, f->dir) < 0 || ends_create(&f->d.ends) < 0 ||
	    lockout_create(&f->d.lockout) < 0 ||
	    verify_create(&f->d.verify, f->d.conf.activation_rate) < 0 ||
	    loop_create(&f->d.loop) < 0 || actport_open(&f->d.actport, &f->d) < 0 ||
	    mailtab_open(&f->d.mailtab, &f->d) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sv) < 0)
		return -1;
	dispatch_init(&f->dp, &f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	close(f->sv[0]);
	close(f->sv[1]);
	actport_close(&f->d.actport);
	mailtab_close(&f->d.mailtab);
	loop_destroy(&f->d.loop);
	verify_destroy(&f->d.verify);
	lockout_destroy(&f->d.lockout);
	ends_destroy(&f->d.ends);
	registry_destroy(&f->d.reg);
	session_finish(&f->d.sessions);
	audit_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	free(f);
	return system(cmd);
}

/* A well-formed message of the type (or, for types without a body, its
 * type byte). The operations name a peer nobody enrolled. */
static size_t make(struct fixture *f, int type, uint8_t buf[ACTMSG_MAX])
{
	struct actmsg_op op = {.has_static = true};
	struct actmsg_init init = {
		.rate_burst = 1, .rate_per_sec = 1, .global_burst = 1, .global_per_sec = 1};
	struct actmsg_result res = {.seq = 1};
	struct actstats st = {.received = 7, .drop_mac0 = 3, .replies = {[PROTO_OK] = 4}};
	size_t len = 0;

	switch (type) {
	case ACTMSG_READY:
		actmsg_encode_ready(buf, &len);
		break;
	case ACTMSG_STATS:
		assert_int_equal(actmsg_encode_stats(buf, &len, &st), 0);
		break;
	case ACTMSG_INIT:
		assert_int_equal(actmsg_encode_init(buf, &len, &init), 0);
		break;
	case ACTMSG_RESULT:
		assert_int_equal(actmsg_encode_result(buf, &len, &res), 0);
		break;
	case ACTMSG_ACTIVATE:
	case ACTMSG_ENROLL:
	case ACTMSG_ADD_KEY:
	case ACTMSG_DEACTIVATE:
	case ACTMSG_STATUS:
		op.seq = ++f->seq;
		memset(op.static_pub, 0x42, KEY_LEN);
		op.req.target.kind = PROTO_TARGET_NAME;
		strcpy(op.req.target.name, "ghost");
		/* A new credential we could verify, and a code nobody made. */
		op.req.fields = PROTO_REQ_CODE | PROTO_REQ_NEW_CRED;
		op.req.cred.alg = PROTO_COSE_ES256;
		op.req.cred.pk_len = 64;
		op.req.cred.id_len = 16;
		memset(op.req.cred.id, 1, 16);
		memset(op.req.code, 2, PROTO_CODE_LEN);
		assert_int_equal(actmsg_encode_op(buf, &len, (enum actmsg_type)type, &op), 0);
		break;
	case ACTMSG_WEB_REQ: {
		struct webmsg_req q = {.seq = ++f->seq, .call = WEBMSG_CHALLENGE};

		strcpy(q.owner, "ghost");
		assert_int_equal(webmsg_encode_req(buf, &len, &q), 0);
		break;
	}
	case ACTMSG_MAIL_REFUSED: {
		struct mailmsg_refused r = {.service = MAILMSG_DOVECOT,
					    .reason = MAILMSG_REFUSE_OTHER_OWNER};

		assert_int_equal(mailmsg_parse_addr(&r.remote, "10.77.0.2", 9), 0);
		strcpy(r.login, "bob");
		strcpy(r.protocol, "imap");
		strcpy(r.owner, "alice");
		assert_int_equal(mailmsg_encode_refused(buf, &len, &r), 0);
		break;
	}
	default:
		buf[0] = (uint8_t)type;
		len = 1;
		break;
	}
	return len;
}

static size_t count_lines(const char *path, const char *needle)
{
	char line[1024];
	size_t n = 0;
	FILE *fp = fopen(path, "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(fp);
	return n;
}

/* Nothing more from the monitor on the child's end. */
static void assert_silent(struct fixture *f)
{
	uint8_t buf[ACTMSG_MAX];

	assert_int_equal(recv(f->sv[1], buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void assert_refused(struct fixture *f, const uint8_t *msg, size_t len, const char *reason)
{
	uint64_t before = f->dp.violations;
	char needle[96];
	size_t audited;
	const char *why = NULL;

	snprintf(needle, sizeof(needle), "event=netchild-violation reason=%s", reason);
	audited = count_lines(f->audit, needle);
	assert_int_equal(dispatch_message(&f->dp, f->sv[0], msg, len, &why), -EBADMSG);
	assert_non_null(why);
	assert_string_equal(why, reason);
	assert_int_equal(f->dp.violations, before + 1);
	assert_int_equal(count_lines(f->audit, needle), audited + 1);
	assert_silent(f);
}

static void assert_answered(struct fixture *f, int type, uint8_t status, const uint8_t *msg,
			    size_t len, enum dispatch_state state)
{
	struct actmsg_result res;
	uint8_t buf[ACTMSG_MAX];
	uint64_t before = f->dp.violations;
	const char *why = "";
	ssize_t n;

	assert_int_equal(dispatch_message(&f->dp, f->sv[0], msg, len, &why), 0);
	assert_null(why);
	assert_int_equal(f->dp.violations, before);
	switch (type) {
	case ACTMSG_READY:
		assert_int_equal(f->dp.state, DISPATCH_SERVING);
		assert_silent(f);
		return;
	case ACTMSG_STATS:
		assert_int_equal(f->dp.state, state);
		assert_int_equal(f->dp.cur.received, 7);
		assert_int_equal(f->dp.cur.drop_mac0, 3);
		assert_int_equal(f->dp.cur.replies[PROTO_OK], 4);
		assert_silent(f);
		return;
	case ACTMSG_MAIL_REFUSED:
		/* Audited, nothing goes back. */
		assert_true(count_lines(f->audit,
					"event=mail-refused service=dovecot protocol=imap "
					"login=bob remote=10.77.0.2 tunnel-owner=alice "
					"reason=other-owner") > 0);
		assert_silent(f);
		return;
	case ACTMSG_WEB_REQ: {
		/* The web page's call: a WEB_RESULT; with [Web] off, a 404. */
		struct webmsg_result *wr = calloc(1, sizeof(*wr));
		uint8_t big[WEBMSG_MAX];

		n = recv(f->sv[1], big, sizeof(big), MSG_DONTWAIT);
		assert_true(n > 0);
		assert_int_equal(webmsg_decode_result(wr, big, (size_t)n), 0);
		assert_int_equal(wr->seq, f->seq);
		assert_int_equal(wr->status, f->d.web != NULL ? 200 : 404);
		free(wr);
		assert_silent(f);
		return;
	}
	default:
		/* An operation: a RESULT of the same seq, with its refusal. */
		n = recv(f->sv[1], buf, sizeof(buf), MSG_DONTWAIT);
		assert_true(n > 0);
		assert_int_equal(actmsg_decode_result(&res, buf, (size_t)n), 0);
		assert_int_equal(res.seq, f->seq);
		assert_int_equal(res.rep.status, status);
		assert_int_equal(f->dp.state, state);
		assert_silent(f);
		return;
	}
}

static void test_table(void **state)
{
	static const enum dispatch_state states[] = {DISPATCH_STARTED, DISPATCH_SERVING};
	struct fixture *f = *state;
	uint8_t buf[ACTMSG_MAX];

	for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
		for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
			size_t len = make(f, allowed[i].type, buf);

			f->dp.state = states[s];
			memset(&f->dp.cur, 0, sizeof(f->dp.cur));
			if ((allowed[i].states & states[s]) != 0)
				assert_answered(f, allowed[i].type, allowed[i].status, buf, len,
						states[s]);
			else
				assert_refused(f, buf, len, "unexpected");
		}
	}
}

/* READY moves the child to serving: a second one is a violation, and the
 * operations are answered from then on. */
static void test_ready_once(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[ACTMSG_MAX];
	size_t len;

	assert_int_equal(f->dp.state, DISPATCH_STARTED);
	len = make(f, ACTMSG_ACTIVATE, buf);
	assert_refused(f, buf, len, "unexpected");
	len = make(f, ACTMSG_READY, buf);
	assert_answered(f, ACTMSG_READY, 0, buf, len, DISPATCH_SERVING);
	assert_refused(f, buf, len, "unexpected");
	len = make(f, ACTMSG_ACTIVATE, buf);
	assert_answered(f, ACTMSG_ACTIVATE, PROTO_ERR_NOT_ENROLLED, buf, len, DISPATCH_SERVING);
	dispatch_started(&f->dp);
	assert_refused(f, buf, len, "unexpected");
}

/* A message of an allowed type that does not decode is refused with the
 * reason of its row. */
static void test_malformed(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[ACTMSG_MAX];
	size_t len;

	len = make(f, ACTMSG_READY, buf);
	buf[len++] = 0;
	assert_refused(f, buf, len, "unexpected");
	len = make(f, ACTMSG_STATS, buf);
	assert_refused(f, buf, len - 1, "bad-stats");
	f->dp.state = DISPATCH_SERVING;
	len = make(f, ACTMSG_ENROLL, buf);
	assert_refused(f, buf, len - 1, "bad-request");
	buf[len] = 0;
	assert_refused(f, buf, len + 1, "bad-request");
	len = make(f, ACTMSG_MAIL_REFUSED, buf);
	assert_refused(f, buf, len - 1, "bad-mail-refusal");
	/* The body of another operation under this type decodes: the type
	 * is the operation, nothing in the body says otherwise. */
	len = make(f, ACTMSG_STATUS, buf);
	buf[0] = ACTMSG_DEACTIVATE;
	assert_answered(f, ACTMSG_DEACTIVATE, PROTO_ERR_NOT_ENROLLED, buf, len, DISPATCH_SERVING);
	assert_refused(f, buf, 0, "unexpected");
	dispatch_violation(&f->dp, "oversized");
	assert_int_equal(count_lines(f->audit, "event=netchild-violation reason=oversized"), 1);
}

/* A request that is answered but refused by the operation is no
 * violation: its refusal is audited as the operation's. */
static void test_refusal_is_an_answer(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[ACTMSG_MAX];
	size_t len;

	f->dp.state = DISPATCH_SERVING;
	len = make(f, ACTMSG_STATUS, buf);
	assert_answered(f, ACTMSG_STATUS, PROTO_ERR_NOT_ENROLLED, buf, len, DISPATCH_SERVING);
	assert_int_equal(f->dp.violations, 0);
	assert_int_equal(count_lines(f->audit, "event=netchild-violation"), 0);
	assert_int_equal(count_lines(f->audit, "event=activation-refused op=status peer=- "
					       "reason=not_enrolled"),
			 1);
}

/* With [Web]: a challenge for a name that is no owner, as for an owner
 * with one key; and a malformed WEB_REQ is a violation. */
static void test_web(void **state)
{
	struct fixture *f = *state;
	struct webmsg_result *wr = calloc(1, sizeof(*wr));
	uint8_t buf[WEBMSG_MAX];
	const char *why = NULL;
	size_t len;
	ssize_t n;

	f->dp.state = DISPATCH_SERVING;
	f->d.conf.web.enabled = true;
	strcpy(f->d.conf.web.domain, "gw.example.test");
	strcpy(f->d.conf.web.origin, "https://gw.example.test");
	assert_int_equal(web_create(&f->d.web), 0);
	len = make(f, ACTMSG_WEB_REQ, buf);
	assert_int_equal(dispatch_message(&f->dp, f->sv[0], buf, len, &why), 0);
	n = recv(f->sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_true(n > 0);
	assert_int_equal(webmsg_decode_result(wr, buf, (size_t)n), 0);
	assert_int_equal(wr->status, 200);
	assert_non_null(strstr(wr->body, "\"rpId\":\"gw.example.test\""));
	assert_non_null(strstr(wr->body, "\"allow\":[\""));
	len = make(f, ACTMSG_WEB_REQ, buf);
	assert_refused(f, buf, len - 1, "bad-web-request");
	web_destroy(&f->d.web);
	free(wr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_is_an_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_web, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

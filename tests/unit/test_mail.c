/* SPDX-License-Identifier: ISC */
/* Mail logins bound to the tunnel's owner: [Mail], the table, the rule,
 * the table in parts, Dovecot's and Postfix's requests, the refusal
 * message, owners' logins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/actmsg.h"
#include "common/mailmsg.h"
#include "common/mailpart.h"
#include "gateway/conf.h"
#include "netchild/mailpolicy.h"
#include "netchild/smtppolicy.h"
#include "state/registry.h"

static const char head[] = "[Interface]\n"
			   "Name = wg7\n"
			   "Address = 10.77.0.1/24\n"
			   "PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
			   "Endpoint = vpn.example.org:51000\n";

static int parse(struct conf *c, const char *mail, char err[ERR_LEN])
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", head, mail);
	return conf_parse(c, text, strlen(text), "vpnd.conf", err);
}

static void conf_mail(void **state)
{
	struct conf c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse(&c,
			       "[Mail]\nDomains = example.org, mail.example.net\n"
			       "DovecotPolicy = 127.0.0.1:8790\n"
			       "PostfixPolicy = unix:/var/spool/postfix/private/keygate\n"
			       "Trusted = 192.0.2.10, 2001:db8::/64\n",
			       err),
			 0);
	assert_true(c.mail.enabled);
	assert_int_equal(c.mail.n_domains, 2);
	assert_string_equal(c.mail.domains[1], "mail.example.net");
	assert_int_equal(c.mail.dovecot_port, 8790);
	assert_string_equal(c.mail.postfix_unix, "/var/spool/postfix/private/keygate");
	assert_int_equal(c.mail.n_trusted, 2);
	assert_int_equal(c.mail.trusted[1].prefix, 64);
	conf_finish(&c);
	/* Errors name the line and quote the value. */
	assert_int_equal(
		parse(&c, "[Mail]\nDovecotPolicy = 127.0.0.1:8790\nDomains = Example\n", err),
		-EINVAL);
	assert_non_null(strstr(err, "'Example' at vpnd.conf:8"));
	assert_int_equal(parse(&c, "[Mail]\nDovecotPolicy = localhost:8790\n", err), -EINVAL);
	assert_non_null(strstr(err, "vpnd.conf:7"));
	assert_int_equal(parse(&c, "[Mail]\nPostfixPolicy = unix:private/x\n", err), -EINVAL);
	assert_non_null(strstr(err, "vpnd.conf:7"));
	assert_int_equal(
		parse(&c, "[Mail]\nDovecotPolicy = 127.0.0.1:1\nTrusted = 10.0.0.300\n", err),
		-EINVAL);
	assert_non_null(strstr(err, "'10.0.0.300' at vpnd.conf:8"));
	assert_int_equal(parse(&c, "[Mail]\nDomains = example.org\n", err), -EINVAL);
	assert_non_null(strstr(err, "DovecotPolicy or PostfixPolicy"));
	assert_int_equal(parse(&c, "[Mail]\nDovecotPolicy = 127.0.0.1:1\nPolicy = x\n", err),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown key 'Policy' at vpnd.conf:8"));
}

/* alice on 10.77.0.2 with a shared login, bob on 10.77.0.3. */
static size_t table(uint8_t *buf, size_t cap)
{
	static const char *const alice[] = {"alice", "alice@example.org", "shared@example.org"};
	static const char *const bob[] = {"bob", "bob@example.org", "shared@example.org"};
	struct ipaddr trusted, a, b;
	struct mailmsg_enc e;

	assert_int_equal(ipaddr_parse(&trusted, "192.0.2.0/24", true), 0);
	assert_int_equal(ipaddr_parse(&a, "10.77.0.2", false), 0);
	assert_int_equal(ipaddr_parse(&b, "10.77.0.3", false), 0);
	assert_int_equal(mailmsg_enc_start(&e, buf, cap, &trusted, 1), 0);
	assert_int_equal(mailmsg_enc_entry(&e, &a, "alice", alice, 3), 0);
	assert_int_equal(mailmsg_enc_entry(&e, &b, "bob", bob, 3), 0);
	return mailmsg_enc_finish(&e);
}

static enum mailmsg_verdict decide(const struct mailmsg_table *t, const char *addr,
				   const char *login)
{
	struct ipaddr a;
	const char *owner;
	size_t n;

	assert_int_equal(mailmsg_parse_addr(&a, addr, strlen(addr)), 0);
	return mailmsg_decide(t, &a, login, strlen(login), &owner, &n);
}

static void rule(void **state)
{
	uint8_t buf[1024];
	size_t len = table(buf, sizeof(buf));
	struct mailmsg_table t;

	(void)state;
	assert_int_equal(mailmsg_decode_table(&t, buf, len), 0);
	assert_int_equal(t.n, 2);
	assert_int_equal(decide(&t, "10.77.0.2", "alice"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide(&t, "10.77.0.2", "Alice@Example.org"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide(&t, "10.77.0.2", "shared@example.org"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide(&t, "10.77.0.3", "shared@example.org"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide(&t, "10.77.0.2", "bob"), MAILMSG_REFUSE_OTHER_OWNER);
	assert_int_equal(decide(&t, "10.77.0.2", ""), MAILMSG_REFUSE_NO_LOGIN);
	assert_int_equal(decide(&t, "10.77.0.9", "alice"), MAILMSG_REFUSE_NOT_TUNNEL);
	assert_int_equal(decide(&t, "127.0.0.1", "bob"), MAILMSG_ALLOW_LOCAL);
	assert_int_equal(decide(&t, "::1", "bob"), MAILMSG_ALLOW_LOCAL);
	assert_int_equal(decide(&t, "::ffff:10.77.0.2", "alice"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide(&t, "192.0.2.44", "bob"), MAILMSG_ALLOW_LOCAL);
	mailmsg_table_free(&t);
	/* Every cut of the message is refused, and a byte too many. */
	for (size_t i = 0; i < len; i++)
		assert_int_equal(mailmsg_decode_table(&t, buf, i), -EBADMSG);
	buf[len] = 0;
	assert_int_equal(mailmsg_decode_table(&t, buf, len + 1), -EBADMSG);
}

/* The lookup's rarer paths, in both families: a tunnel network wider than
 * one address (looked at one by one), and two owners on one address (the
 * second found after the first, whatever order they were sent in). */
static void lookup_paths(void **state)
{
	static const char *const entries[][2] = {
		{"10.77.0.6", "filler"},   {"10.77.0.5", "erin"},   {"fd77::5", "dave"},
		{"10.78.0.0/29", "carol"}, {"10.77.0.5", "dave"},   {"fd77::5", "erin"},
		{"10.77.0.4", "filler"},   {"fd78::/125", "carol"}, {"fd77::6", "filler"},
	};
	uint8_t buf[2048];
	struct mailmsg_enc e;
	struct mailmsg_table t;
	struct ipaddr a;

	(void)state;
	assert_int_equal(mailmsg_enc_start(&e, buf, sizeof(buf), NULL, 0), 0);
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		const char *login = entries[i][1];

		assert_int_equal(
			ipaddr_parse(&a, entries[i][0], strchr(entries[i][0], '/') != NULL), 0);
		assert_int_equal(mailmsg_enc_entry(&e, &a, entries[i][1], &login, 1), 0);
	}
	assert_int_equal(mailmsg_decode_table(&t, buf, mailmsg_enc_finish(&e)), 0);
	for (int v6 = 0; v6 < 2; v6++) {
		const char *net_in = v6 ? "fd78::7" : "10.78.0.7";
		const char *net_out = v6 ? "fd78::8" : "10.78.0.8";
		const char *shared = v6 ? "fd77::5" : "10.77.0.5";

		assert_int_equal(decide(&t, net_in, "carol"), MAILMSG_ALLOW_OWNER);
		assert_int_equal(decide(&t, net_in, "dave"), MAILMSG_REFUSE_OTHER_OWNER);
		assert_int_equal(decide(&t, net_out, "carol"), MAILMSG_REFUSE_NOT_TUNNEL);
		assert_int_equal(decide(&t, shared, "dave"), MAILMSG_ALLOW_OWNER);
		assert_int_equal(decide(&t, shared, "erin"), MAILMSG_ALLOW_OWNER);
		assert_int_equal(decide(&t, shared, "filler"), MAILMSG_REFUSE_OTHER_OWNER);
	}
	mailmsg_table_free(&t);
}

static void full_table(void **state)
{
	static const char *const l[] = {"x"};
	uint8_t buf[64];
	struct mailmsg_enc e;
	struct mailmsg_table t;
	struct ipaddr a;

	(void)state;
	assert_int_equal(ipaddr_parse(&a, "10.77.0.2", false), 0);
	assert_int_equal(mailmsg_enc_start(&e, buf, sizeof(buf), NULL, 0), 0);
	assert_int_equal(mailmsg_enc_entry(&e, &a, "alice", l, 1), 0);
	assert_int_equal(mailmsg_enc_entry(&e, &a, "alice", l, 1), 0);
	/* The third does not fit: the table stays whole without it. */
	assert_int_equal(mailmsg_enc_entry(&e, &a, "alice", l, 1), -EMSGSIZE);
	assert_int_equal(mailmsg_decode_table(&t, buf, mailmsg_enc_finish(&e)), 0);
	assert_int_equal(t.n, 2);
	mailmsg_table_free(&t);
}

#define BIG 100000 /* dual-stack sessions */

/* Session i's address: 10.x.y.z or fd77::x:yz. */
static void session_addr(struct ipaddr *a, unsigned i, bool v6)
{
	char s[48];

	if (v6)
		snprintf(s, sizeof(s), "fd77::%x:%x", i >> 16, i & 0xffff);
	else
		snprintf(s, sizeof(s), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
	assert_int_equal(ipaddr_parse(a, s, false), 0);
}

/* A table of n dual-stack sessions, owner u<i> with three logins each. */
static void big_table(struct mailmsg_enc *e, unsigned n)
{
	assert_int_equal(mailmsg_enc_start(e, NULL, MAILMSG_TABLE_TOTAL_MAX, NULL, 0), 0);
	for (unsigned i = 0; i < n; i++) {
		char owner[16], dom[40], alias[24];
		const char *logins[3] = {owner, dom, alias};
		struct ipaddr a;

		snprintf(owner, sizeof(owner), "u%u", i);
		snprintf(dom, sizeof(dom), "u%u@example.org", i);
		snprintf(alias, sizeof(alias), "alias%u", i);
		for (int v6 = 0; v6 < 2; v6++) {
			session_addr(&a, i, v6);
			assert_int_equal(mailmsg_enc_entry(e, &a, owner, logins, 3), 0);
		}
	}
	mailmsg_enc_finish(e);
}

/* Sends parts first .. last (exclusive) of e as generation gen. */
static int send_parts(struct mailmsg_table *t, const struct mailmsg_enc *e, uint32_t gen,
		      uint32_t first, uint32_t last)
{
	static uint8_t part[MAILMSG_TABLE_MAX];
	int ret = -EINVAL;

	for (uint32_t i = first; i < last; i++)
		ret = mailpart_add(t, part, mailpart_encode(part, gen, i, e->p, e->len));
	return ret;
}

static enum mailmsg_verdict decide_at(const struct mailmsg_table *t, unsigned i, bool v6,
				      const char *login)
{
	struct ipaddr a;
	const char *owner;
	size_t n;

	session_addr(&a, i, v6);
	return mailmsg_decide(t, &a, login, strlen(login), &owner, &n);
}

static void parts(void **state)
{
	struct mailmsg_enc small = {0}, big = {0};
	struct mailmsg_table t = {0};
	uint32_t n;

	(void)state;
	big_table(&small, 3);
	big_table(&big, BIG);
	n = mailpart_count(big.len);
	assert_true(n > 50);
	/* The small table in force, then the big one part by part: the small
	 * one decides until the last part has come. */
	assert_int_equal(send_parts(&t, &small, 1, 0, 1), 1);
	assert_int_equal(t.n, 6);
	assert_int_equal(send_parts(&t, &big, 2, 0, n - 1), 0);
	assert_int_equal(t.n, 6);
	assert_int_equal(decide_at(&t, BIG - 1, false, "u99999"), MAILMSG_REFUSE_NOT_TUNNEL);
	assert_int_equal(send_parts(&t, &big, 2, n - 1, n), 1);
	assert_int_equal(t.n, 2 * BIG);
	assert_int_equal(t.dropped, 0);
	assert_int_equal(decide_at(&t, BIG - 1, false, "u99999@example.org"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide_at(&t, BIG - 1, true, "Alias99999"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide_at(&t, 0, true, "u0"), MAILMSG_ALLOW_OWNER);
	assert_int_equal(decide_at(&t, 4711, false, "u4712"), MAILMSG_REFUSE_OTHER_OWNER);
	assert_int_equal(decide_at(&t, BIG, false, "u99999"), MAILMSG_REFUSE_NOT_TUNNEL);
	assert_int_equal(decide_at(&t, BIG, true, "u99999"), MAILMSG_REFUSE_NOT_TUNNEL);
	print_message("a table of %u dual-stack sessions: %zu bytes in %u parts; the child holds "
		      "%zu bytes of it\n",
		      BIG, big.len, n, big.len + (size_t)t.n * sizeof(*t.entries));

	/* Out of order: part 2 before part 1. Dropped whole; the table in
	 * force stays, and the next whole one replaces it. */
	assert_int_equal(send_parts(&t, &small, 3, 0, 1), 1);
	assert_int_equal(send_parts(&t, &big, 4, 0, 1), 0);
	assert_int_equal(send_parts(&t, &big, 4, 2, 3), -EBADMSG);
	assert_int_equal(send_parts(&t, &big, 4, 1, 2), -EBADMSG); /* nothing under way */
	/* A stray last part swaps nothing in. */
	assert_int_equal(send_parts(&t, &big, 4, n - 1, n), -EBADMSG);
	assert_int_equal(t.n, 6);
	assert_int_equal(t.dropped, 3);
	/* Another generation in the middle. */
	assert_int_equal(send_parts(&t, &big, 5, 0, 2), 0);
	assert_int_equal(send_parts(&t, &big, 6, 2, 3), -EBADMSG);
	assert_int_equal(t.n, 6);
	assert_int_equal(t.dropped, 4);
	/* Short: a new table begins before the last part of the one under
	 * way; that one is dropped, the new one comes whole. */
	assert_int_equal(send_parts(&t, &big, 7, 0, n - 1), 0);
	assert_int_equal(send_parts(&t, &big, 8, 0, n), 1);
	assert_int_equal(t.n, 2 * BIG);
	assert_int_equal(t.dropped, 5);
	mailmsg_table_free(&t);
	mailmsg_enc_free(&small);
	mailmsg_enc_free(&big);
}

/* Parts that lie about themselves, and a whole that does not decode. */
static void bad_parts(void **state)
{
	struct mailmsg_enc e = {0};
	struct mailmsg_table t = {0};
	uint8_t part[MAILMSG_TABLE_MAX];
	size_t len;

	(void)state;
	big_table(&e, 3);
	assert_int_equal(send_parts(&t, &e, 1, 0, 1), 1);
	len = mailpart_encode(part, 2, 0, e.p, e.len);
	/* A count of 2 with a first part that is not full. */
	part[12] = 2;
	assert_int_equal(mailpart_add(&t, part, len), -EBADMSG);
	part[12] = 0; /* no parts */
	assert_int_equal(mailpart_add(&t, part, len), -EBADMSG);
	part[12] = 1;
	part[0] = ACTMSG_MAIL_REFUSED;
	assert_int_equal(mailpart_add(&t, part, len), -EBADMSG);
	part[0] = ACTMSG_MAIL_TABLE;
	assert_int_equal(mailpart_add(&t, part, MAILPART_HEAD), -EBADMSG);
	/* Whole, but a byte short of its last entry. */
	assert_int_equal(mailpart_add(&t, part, len - 1), -EBADMSG);
	assert_int_equal(t.n, 6);
	assert_int_equal(t.dropped, 5);
	assert_int_equal(mailpart_add(&t, part, len), 1);
	assert_int_equal(t.n, 6);
	mailmsg_table_free(&t);
	mailmsg_enc_free(&e);
}

static void refused_msg(void **state)
{
	struct mailmsg_refused r = {.service = MAILMSG_POSTFIX,
				    .reason = MAILMSG_REFUSE_OTHER_OWNER},
			       r2;
	uint8_t buf[MAILMSG_REFUSED_MAX];
	size_t len;

	(void)state;
	assert_int_equal(mailmsg_parse_addr(&r.remote, "fd77::2", 7), 0);
	mailmsg_clean(r.login, sizeof(r.login), "bob\nx y", 7);
	assert_string_equal(r.login, "bob?x?y");
	strcpy(r.owner, "alice");
	assert_int_equal(mailmsg_encode_refused(buf, &len, &r), 0);
	assert_int_equal(mailmsg_decode_refused(&r2, buf, len), 0);
	assert_memory_equal(&r, &r2, sizeof(r));
	for (size_t i = 0; i < len; i++)
		assert_int_equal(mailmsg_decode_refused(&r2, buf, i), -EBADMSG);
	r.reason = MAILMSG_ALLOW_OWNER;
	assert_int_equal(mailmsg_encode_refused(buf, &len, &r), -EINVAL);
}

static void dovecot_request(void **state)
{
	static const char req[] =
		"{\"device_id\":\"\",\"login\":\"bob\",\"protocol\":\"imap\",\"pwhash\":\"0712\","
		"\"remote\":\"10.77.0.2\",\"session_id\":\"abc\",\"tls\":false}";
	struct mailpolicy_req q;

	(void)state;
	assert_int_equal(mailpolicy_parse(&q, req, strlen(req)), 0);
	assert_string_equal(q.login, "bob");
	assert_int_equal(q.login_len, 3);
	assert_string_equal(q.remote, "10.77.0.2");
	assert_string_equal(q.protocol, "imap");
	assert_int_equal(mailpolicy_parse(&q, "{\"login\":1}", 11), -EBADMSG);
	assert_int_equal(mailpolicy_parse(&q, "[]", 2), -EBADMSG);
	assert_int_equal(mailpolicy_parse(&q, "{\"login\":\"a\"} x", 15), -EBADMSG);
	assert_int_equal(mailpolicy_parse(&q, "{}", 2), 0);
}

static void postfix_request(void **state)
{
	static const char req[] = "request=smtpd_access_policy\nprotocol_state=RCPT\n"
				  "protocol_name=ESMTP\nclient_address=10.77.0.2\n"
				  "sasl_method=plain\nsasl_username=bob\nrecipient=x@example.org";
	uint8_t buf[1024];
	struct mailmsg_table t;
	struct smtppolicy *sp;
	struct smtppolicy_req q;
	char out[256];

	(void)state;
	assert_int_equal(mailmsg_decode_table(&t, buf, table(buf, sizeof(buf))), 0);
	assert_int_equal(smtppolicy_create(&sp, -1, &t, NULL), 0);
	assert_int_equal(smtppolicy_parse(&q, req, strlen(req)), 0);
	assert_string_equal(q.sasl_username, "bob");
	assert_string_equal(q.client_address, "10.77.0.2");
	assert_true(q.access_policy);
	smtppolicy_answer(sp, &q, out, sizeof(out));
	assert_non_null(strstr(out, "action=REJECT 5.7.1 "));
	strcpy(q.sasl_username, "alice@example.org");
	smtppolicy_answer(sp, &q, out, sizeof(out));
	assert_string_equal(out, "action=DUNNO\n\n");
	/* No SASL login: not a login to judge. */
	q.sasl_username[0] = '\0';
	smtppolicy_answer(sp, &q, out, sizeof(out));
	assert_string_equal(out, "action=DUNNO\n\n");
	assert_int_equal(smtppolicy_parse(&q, "request", 7), -EBADMSG);
	smtppolicy_destroy(&sp);
	mailmsg_table_free(&t);
}

static void owner_logins(void **state)
{
	struct reg_owner o = {0};
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(registry_owner_set_logins(&o, "Shared@Example.org,alias", err), 0);
	assert_string_equal(o.mail_logins, "shared@example.org,alias");
	assert_int_equal(registry_owner_set_logins(&o, "a b", err), -EINVAL);
	assert_non_null(strstr(err, "'a b'"));
	assert_int_equal(registry_owner_set_logins(&o, "a,,b", err), -EINVAL);
	assert_string_equal(o.mail_logins, "shared@example.org,alias");
	assert_int_equal(registry_owner_set_logins(&o, "-", err), 0);
	assert_string_equal(o.mail_logins, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_mail),       cmocka_unit_test(rule),
		cmocka_unit_test(lookup_paths),    cmocka_unit_test(full_table),
		cmocka_unit_test(parts),           cmocka_unit_test(bad_parts),
		cmocka_unit_test(refused_msg),     cmocka_unit_test(dovecot_request),
		cmocka_unit_test(postfix_request), cmocka_unit_test(owner_logins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

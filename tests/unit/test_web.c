/* SPDX-License-Identifier: ISC */
/*
 * The web page's parsers outside the monitor's checks: [Web] in vpnd.conf
 * (lib/gateway/webconf.c), the page's JSON bodies in the network child
 * (netchild/webreq.c), and the monitor <-> child messages
 * (common/webmsg.c): what is well formed round-trips, the rest is refused.
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

#include "common/actmsg.h"
#include "common/webmsg.h"
#include "gateway/conf.h"
#include "netchild/monwrap.h"
#include "netchild/webpages.h"
#include "netchild/webreq.h"

#define BASE                                                                                       \
	"[Interface]\nName = wg0\nAddress = 10.77.0.1/24\nEndpoint = vpn.example.org:51820\n"      \
	"PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"

static int parse(const char *web, struct conf *c, char err[ERR_LEN])
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", BASE, web);
	return conf_parse(c, text, strlen(text), "vpnd.conf", err);
}

static void test_conf(void **state)
{
	struct conf c;
	char err[ERR_LEN];

	assert_int_equal(parse("", &c, err), 0);
	assert_false(c.web.enabled);
	assert_int_equal(parse("[Web]\nDomain = mail.example.org\nListen = 0.0.0.0:8443\n"
			       "Certificate = /etc/c.pem\nKey = /etc/k.pem\n",
			       &c, err),
			 0);
	assert_true(c.web.enabled);
	assert_string_equal(c.web.origin, "https://mail.example.org:8443");
	assert_int_equal(parse("[Web]\nDomain = mail.example.org\nListen = 127.0.0.1:8080\n"
			       "TrustedProxies = 127.0.0.1, ::1\n",
			       &c, err),
			 0);
	assert_string_equal(c.web.origin, "https://mail.example.org");
	assert_int_equal(c.web.n_proxies, 2);
	assert_int_equal(parse("[Web]\nDomain = 192.0.2.1\nListen = 127.0.0.1:8080\n"
			       "TrustedProxies = 127.0.0.1\n",
			       &c, err),
			 -EINVAL);
	assert_non_null(strstr(err, "invalid domain '192.0.2.1' at vpnd.conf:7"));
	assert_int_equal(parse("[Web]\nDomain = Mail.Example.org\n", &c, err), -EINVAL);
	assert_int_equal(parse("[Web]\nDomain = a.b\nListen = host:80\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "listen address"));
	assert_int_equal(parse("[Web]\nDomain = a.example\nListen = 127.0.0.1:8080\n", &c, err),
			 -EINVAL);
	assert_non_null(strstr(err, "TrustedProxies"));
	assert_int_equal(parse("[Web]\nDomain = a.example\nListen = 127.0.0.1:8443\n"
			       "Certificate = /c.pem\n",
			       &c, err),
			 -EINVAL);
	assert_non_null(strstr(err, "both Certificate and Key"));
	assert_int_equal(parse("[Web]\nDomain = a.example\nDomain = b.example\n", &c, err),
			 -EINVAL);
	assert_non_null(strstr(err, "duplicate key 'Domain' at vpnd.conf:8"));
	assert_int_equal(parse("[Web]\nPort = 1\n", &c, err), -EINVAL);
	assert_non_null(strstr(err, "unknown key 'Port' at vpnd.conf:7"));
	assert_int_equal(parse("[Web]\nDomain = a.example\nListen = 127.0.0.1:80\n"
			       "TrustedProxies = localhost\n",
			       &c, err),
			 -EINVAL);
}

static int body(struct webmsg_req *q, const char *json)
{
	memset(q, 0, sizeof(*q));
	return webreq_parse(q, json, strlen(json));
}

static void test_webreq(void **state)
{
	struct webmsg_req *q = calloc(1, sizeof(*q));

	assert_int_equal(webreq_call("/api/activate"), WEBMSG_ACTIVATE);
	assert_int_equal(webreq_call("/api/register"), WEBMSG_REGISTER);
	assert_int_equal(webreq_call("/api/activate/"), 0);
	assert_int_equal(webreq_call("/"), 0);
	assert_int_equal(body(q, "{\"owner\":\"alice\",\"id\":\"AAEC\",\"clientDataJSON\":\"e30\","
				 "\"authenticatorData\":\"AA\",\"signature\":\"AQ\"}"),
			 0);
	assert_string_equal(q->owner, "alice");
	assert_int_equal(q->cred_id_len, 3);
	assert_int_equal(q->client_data_len, 2);
	assert_memory_equal(q->client_data, "{}", 2);
	assert_int_equal(body(q, "{\"owner\":\"alice\",\"devices\":[\"a\",\"b\"],\"grant\":"
				 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}"),
			 0);
	assert_int_equal(q->n_devices, 2);
	assert_true(q->has_grant);
	/* Refused: unknown keys, wrong types, padding, too long, not JSON. */
	assert_int_equal(body(q, "{\"owner\":\"alice\",\"x\":1}"), -EBADMSG);
	assert_int_equal(body(q, "{\"owner\":1}"), -EBADMSG);
	assert_int_equal(body(q, "{\"id\":\"AA==\"}"), -EBADMSG);
	assert_int_equal(body(q, "{\"grant\":\"AAAA\"}"), -EBADMSG);
	assert_int_equal(body(q, "{\"devices\":[\"\"]}"), -EBADMSG);
	assert_int_equal(body(q, "{\"devices\":[[\"a\"]]}"), -EBADMSG);
	assert_int_equal(body(q, "[]"), -EBADMSG);
	assert_int_equal(body(q, "{} {}"), -EBADMSG);
	assert_int_equal(body(q, "{\"owner\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"), -EBADMSG);
	assert_int_equal(body(q, ""), -EBADMSG);
	free(q);
}

static void test_webmsg(void **state)
{
	struct webmsg_req *q = calloc(1, sizeof(*q)), *q2 = calloc(1, sizeof(*q2));
	struct webmsg_result *r = calloc(1, sizeof(*r)), *r2 = calloc(1, sizeof(*r2));
	uint8_t *buf = malloc(WEBMSG_CONF_MAX);
	struct webmsg_conf c = {0}, c2;
	size_t len;

	q->seq = 7;
	q->call = WEBMSG_OPEN;
	strcpy(q->owner, "alice");
	q->has_grant = true;
	memset(q->grant, 9, sizeof(q->grant));
	q->n_devices = 1;
	strcpy(q->devices[0], "alice-phone");
	q->client_data_len = 3;
	memcpy(q->client_data, "abc", 3);
	assert_int_equal(webmsg_encode_req(buf, &len, q), 0);
	assert_int_equal(actmsg_type(buf, len), ACTMSG_WEB_REQ);
	assert_int_equal(webmsg_decode_req(q2, buf, len), 0);
	assert_memory_equal(q, q2, sizeof(*q));
	assert_int_equal(webmsg_decode_req(q2, buf, len - 1), -EBADMSG);
	buf[len] = 0;
	assert_int_equal(webmsg_decode_req(q2, buf, len + 1), -EBADMSG);
	strcpy(q->owner, "al ice");
	assert_int_equal(webmsg_encode_req(buf, &len, q), 0);
	assert_int_equal(webmsg_decode_req(q2, buf, len), -EBADMSG);

	r->seq = 7;
	r->status = 200;
	r->body_len = 11;
	strcpy(r->body, "{\"ok\":true}");
	assert_int_equal(webmsg_encode_result(buf, &len, r), 0);
	assert_int_equal(webmsg_decode_result(r2, buf, len), 0);
	assert_string_equal(r2->body, r->body);
	r->status = 42;
	assert_int_equal(webmsg_encode_result(buf, &len, r), 0);
	assert_int_equal(webmsg_decode_result(r2, buf, len), -EBADMSG);

	c.cert = (const uint8_t *)"CERT";
	c.cert_len = 4;
	c.key = (const uint8_t *)"KEY";
	c.key_len = 3;
	c.n_proxies = 1;
	c.proxies[0].family = AF_INET;
	c.proxies[0].bytes[0] = 127;
	c.proxies[0].bytes[3] = 1;
	assert_int_equal(webmsg_encode_conf(buf, &len, &c), 0);
	assert_int_equal(actmsg_type(buf, len), ACTMSG_WEB_CONF);
	assert_int_equal(webmsg_decode_conf(&c2, buf, len), 0);
	assert_int_equal(c2.key_len, 3);
	assert_memory_equal(c2.key, "KEY", 3);
	assert_int_equal(c2.proxies[0].bytes[3], 1);
	c.key = NULL;
	assert_int_equal(webmsg_encode_conf(buf, &len, &c), -EINVAL);
	free(buf);
	free(q);
	free(q2);
	free(r);
	free(r2);
}

/* A WEB_CONF (SIGHUP) that comes while the child waits for an answer is
 * kept for its loop, and the answer still arrives. */
static void test_monwrap_keeps_conf(void **state)
{
	uint8_t *room = malloc(WEBMSG_CONF_MAX), *buf = malloc(WEBMSG_CONF_MAX);
	struct webmsg_req *q = calloc(1, sizeof(*q));
	struct webmsg_result *r = calloc(1, sizeof(*r));
	struct webmsg_conf c = {0};
	struct monwrap mw = {.conf = room};
	size_t len;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	mw.fd = sv[0];
	c.cert = (const uint8_t *)"CERT";
	c.cert_len = 4;
	c.key = (const uint8_t *)"KEY";
	c.key_len = 3;
	assert_int_equal(webmsg_encode_conf(buf, &len, &c), 0);
	assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
	r->seq = 1;
	r->status = 200;
	strcpy(r->body, "{}");
	r->body_len = 2;
	assert_int_equal(webmsg_encode_result(buf, &len, r), 0);
	assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
	q->call = WEBMSG_CHALLENGE;
	strcpy(q->owner, "alice");
	memset(r, 0, sizeof(*r));
	assert_int_equal(monwrap_web(&mw, q, r), 0);
	assert_int_equal(r->status, 200);
	assert_true(mw.conf_len > 0);
	assert_int_equal(actmsg_type(room, mw.conf_len), ACTMSG_WEB_CONF);
	assert_int_equal(webmsg_decode_conf(&c, room, mw.conf_len), 0);
	assert_memory_equal(c.cert, "CERT", 4);
	close(sv[0]);
	close(sv[1]);
	free(room);
	free(buf);
	free(q);
	free(r);
}

static void test_pages(void **state)
{
	const struct webpage *p = webpages_find("/");

	assert_non_null(p);
	assert_string_equal(p->type, "text/html; charset=utf-8");
	/* The ids INTERFACE.md promises, and no inline script. */
	assert_non_null(memmem(p->data, p->len, "id=\"owner\"", 10));
	assert_non_null(memmem(p->data, p->len, "id=\"activate\"", 13));
	assert_non_null(memmem(p->data, p->len, "id=\"devices\"", 12));
	assert_non_null(memmem(p->data, p->len, "id=\"open\"", 9));
	assert_non_null(memmem(p->data, p->len, "id=\"until\"", 10));
	assert_non_null(memmem(p->data, p->len, "id=\"extend\"", 11));
	assert_non_null(memmem(p->data, p->len, "id=\"end\"", 8));
	assert_non_null(memmem(p->data, p->len, "id=\"status\"", 11));
	assert_null(memmem(p->data, p->len, "<script>", 8));
	assert_null(memmem(p->data, p->len, "onclick", 7));
	p = webpages_find("/register");
	assert_non_null(p);
	assert_non_null(memmem(p->data, p->len, "id=\"register\"", 13));
	assert_non_null(memmem(p->data, p->len, "id=\"status\"", 11));
	assert_non_null(webpages_find("/status"));
	assert_non_null(webpages_find("/app.js"));
	assert_null(webpages_find("/etc/passwd"));
	assert_null(webpages_find("/register.html"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf),   cmocka_unit_test(test_webreq),
		cmocka_unit_test(test_webmsg), cmocka_unit_test(test_monwrap_keeps_conf),
		cmocka_unit_test(test_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

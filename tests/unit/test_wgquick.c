/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wg/wgq.h"

/* Keys from `wg genkey` / `wg pubkey` runs; only their shape matters here. */
#define PRIV "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define PUB  "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw="
#define PSK  "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE="

static const char sample[] = "# keygate: alice-phone\n"
			     "[Interface]\n"
			     "PrivateKey = " PRIV "\n"
			     "Address = 10.77.0.5/32, fd77::5/128\n"
			     "DNS = 10.77.0.1, example.org\n"
			     "MTU = 1280\n"
			     "\n"
			     "[Peer]\n"
			     "PublicKey = " PUB "\n"
			     "PresharedKey = " PSK "\n"
			     "Endpoint = vpn.example.org:51820\n"
			     "AllowedIPs = 10.77.0.0/24, fd77::/64\n"
			     "PersistentKeepalive = 25\n";

static void make_sample(struct wgq_config *c)
{
	wgq_config_init(c);
	strcpy(c->name, "alice-phone");
	assert_int_equal(key_from_base64(c->private_key, PRIV), 0);
	assert_int_equal(key_from_base64(c->public_key, PUB), 0);
	assert_int_equal(key_from_base64(c->preshared_key, PSK), 0);
	c->flags = WGQ_HAS_PRIVATE_KEY | WGQ_HAS_PEER | WGQ_HAS_PRESHARED_KEY | WGQ_HAS_MTU |
		   WGQ_HAS_KEEPALIVE;
	assert_int_equal(wgq_prefix_parse(&c->addrs[c->n_addrs++], "10.77.0.5"), 0);
	assert_int_equal(wgq_prefix_parse(&c->addrs[c->n_addrs++], "fd77::5/128"), 0);
	strcpy(c->dns[c->n_dns++], "10.77.0.1");
	strcpy(c->dns[c->n_dns++], "example.org");
	c->mtu = 1280;
	strcpy(c->endpoint, "vpn.example.org:51820");
	assert_int_equal(wgq_prefix_parse(&c->allowedips[c->n_allowedips++], "10.77.0.0/24"), 0);
	assert_int_equal(wgq_prefix_parse(&c->allowedips[c->n_allowedips++], "fd77::/64"), 0);
	c->keepalive = 25;
}

static void test_format_exact(void **state)
{
	struct wgq_config c;
	char buf[WGQ_TEXT_MAX], err[ERR_LEN];
	size_t len = 0;

	make_sample(&c);
	assert_int_equal(wgq_format(&c, buf, sizeof(buf), &len, err), 0);
	assert_string_equal(buf, sample);
	assert_int_equal(len, strlen(sample));
	wgq_config_finish(&c);
}

static void test_format_minimal(void **state)
{
	struct wgq_config c;
	char buf[WGQ_TEXT_MAX], err[ERR_LEN];
	size_t len = 0;

	wgq_config_init(&c);
	assert_int_equal(key_from_base64(c.private_key, PRIV), 0);
	c.flags = WGQ_HAS_PRIVATE_KEY;
	assert_int_equal(wgq_format(&c, buf, sizeof(buf), &len, err), 0);
	assert_string_equal(buf, "[Interface]\nPrivateKey = " PRIV "\n");
}

static void test_format_too_small(void **state)
{
	struct wgq_config c;
	char buf[64], err[ERR_LEN];
	size_t len = 0;

	make_sample(&c);
	assert_int_equal(wgq_format(&c, buf, sizeof(buf), &len, err), -ENOSPC);
	/* Nothing of the key may be left in a buffer the caller gives up on. */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
}

static void test_round_trip(void **state)
{
	struct wgq_config c, d;
	char buf[WGQ_TEXT_MAX], err[ERR_LEN];
	size_t len = 0;

	assert_int_equal(wgq_parse(&c, sample, strlen(sample), err), 0);
	assert_string_equal(c.name, "alice-phone");
	assert_int_equal(c.n_addrs, 2);
	assert_int_equal(c.addrs[1].family, AF_INET6);
	assert_int_equal(c.mtu, 1280);
	assert_int_equal(c.keepalive, 25);
	make_sample(&d);
	assert_memory_equal(c.private_key, d.private_key, KEY_LEN);
	assert_memory_equal(c.preshared_key, d.preshared_key, KEY_LEN);
	assert_int_equal(wgq_format(&c, buf, sizeof(buf), &len, err), 0);
	assert_string_equal(buf, sample);
}

static void test_parse_lenient_spelling(void **state)
{
	/* Case, spacing, CRLF, comments, repeated list keys: what people write. */
	static const char text[] = "[interface]\r\n"
				   "  privatekey=" PRIV "   # mine\r\n"
				   "address = 10.77.0.5\r\n"
				   "Address = fd77::5\r\n"
				   "[PEER]\r\n"
				   "publickey =" PUB "\r\n"
				   "persistentkeepalive = off\r\n"
				   "allowedips = 0.0.0.0/0,::/0\r\n";
	struct wgq_config c;
	char err[ERR_LEN];

	assert_int_equal(wgq_parse(&c, text, strlen(text), err), 0);
	assert_int_equal(c.n_addrs, 2);
	assert_int_equal(c.addrs[0].cidr, 32);
	assert_int_equal(c.addrs[1].cidr, 128);
	assert_int_equal(c.n_allowedips, 2);
	assert_int_equal(c.allowedips[1].cidr, 0);
	assert_false(c.flags & WGQ_HAS_KEEPALIVE);
	assert_string_equal(c.name, "");
}

struct bad {
	const char *text;
	const char *err;
};

static void test_parse_errors(void **state)
{
	static const struct bad cases[] = {
		{"[Interface]\nPrivateKey = " PRIV "\nPostUp = echo hi\n",
		 "line 3: unknown key 'PostUp' in [Interface]"},
		{"[Interface]\nPrivateKey = " PRIV "\nTable = off\n",
		 "line 3: unknown key 'Table'"},
		{"[Interface]\nPrivateKey = abc\n", "line 2: invalid PrivateKey: expected 44"},
		{"[Interface]\nPrivateKey = " PRIV "\nPrivateKey = " PRIV "\n",
		 "line 3: PrivateKey given twice"},
		{"[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB
		 "\n[Peer]\nPublicKey = " PUB "\n",
		 "line 5: more than one [Peer]"},
		{"[Interface]\nPrivateKey = " PRIV "\n[Peer]\nEndpoint = h:1\n",
		 "[Peer] without a PublicKey"},
		{"[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB
		 "\nEndpoint = fe80::1:51820\n",
		 "line 5: invalid Endpoint 'fe80::1:51820'"},
		{"[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB
		 "\nEndpoint = host:0\n",
		 "line 5: invalid Endpoint 'host:0'"},
		{"[Interface]\nPrivateKey = " PRIV "\nAddress = 10.0.0.1/33\n",
		 "line 3: invalid Address '10.0.0.1/33'"},
		{"[Interface]\nPrivateKey = " PRIV "\nDNS = bad_name\n",
		 "line 3: invalid DNS 'bad_name'"},
		{"[Interface]\nPrivateKey = " PRIV "\nMTU = 100\n", "line 3: invalid MTU '100'"},
		{"[Interface]\nPrivateKey = " PRIV "\nListenPort = 70000\n",
		 "line 3: invalid ListenPort '70000'"},
		{"[Interface]\nPrivateKey = " PRIV "\nListenPort = -1\n",
		 "line 3: invalid ListenPort '-1'"},
		{"PrivateKey = " PRIV "\n", "line 1: 'PrivateKey' outside a section"},
		{"[Interface]\n[Interface]\n", "line 2: [Interface] must come first"},
		{"[Wat]\n", "line 1: unknown section '[Wat]'"},
		{"[Interface]\nPrivateKey\n", "line 2: expected 'Key = value'"},
		{"[Interface]\nDNS =\n", "line 2: empty value for DNS"},
		{"# keygate: bad name!\n[Interface]\n", "line 1: invalid keygate name 'bad name!'"},
		{"", "no [Interface] section"},
		{"[Interface]\nAddress = 10.0.0.1\n", "no PrivateKey in [Interface]"},
	};
	char err[ERR_LEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wgq_config c;
		int ret = wgq_parse(&c, cases[i].text, strlen(cases[i].text), err);

		if (ret != -EINVAL || strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("case %zu: got %d '%s', want '%s'", i, ret, err, cases[i].err);
		/* A bad key is never echoed back. */
		assert_null(strstr(err, PRIV));
	}
}

static void test_parse_nul_and_long_line(void **state)
{
	static const char text[] = "[Interface]\nPrivate\0Key = x\n";
	char big[5000], err[ERR_LEN];
	struct wgq_config c;

	assert_int_equal(wgq_parse(&c, text, sizeof(text) - 1, err), -EINVAL);
	assert_string_equal(err, "line 2: NUL byte in the text");
	memset(big, 'a', sizeof(big));
	assert_int_equal(wgq_parse(&c, big, sizeof(big), err), -EINVAL);
	assert_string_equal(err, "line 1: line longer than 4096 bytes");
}

static void test_prefix(void **state)
{
	struct wgq_prefix p;
	char s[WGQ_PREFIX_STRLEN];

	assert_int_equal(wgq_prefix_parse(&p, "10.77.0.9/24"), 0);
	wgq_prefix_network(&p);
	wgq_prefix_format(&p, s);
	assert_string_equal(s, "10.77.0.0/24");
	assert_int_equal(wgq_prefix_parse(&p, "fd77::1:2:3/63"), 0);
	wgq_prefix_network(&p);
	wgq_prefix_format(&p, s);
	assert_string_equal(s, "fd77::/63");
	assert_int_equal(wgq_prefix_parse(&p, "10.0.0.1/"), -EINVAL);
	assert_int_equal(wgq_prefix_parse(&p, "10.0.0.1/+1"), -EINVAL);
	assert_int_equal(wgq_prefix_parse(&p, "/24"), -EINVAL);
	assert_int_equal(wgq_prefix_parse(&p, "::/129"), -EINVAL);
	assert_int_equal(wgq_prefix_parse(&p, "host/24"), -EINVAL);
}

static void test_names(void **state)
{
	assert_true(wgq_hostname_valid("vpn.example.org"));
	assert_true(wgq_hostname_valid("vpn.example.org."));
	assert_false(wgq_hostname_valid("-vpn.example.org"));
	assert_false(wgq_hostname_valid("vpn..org"));
	assert_false(wgq_hostname_valid("vpn-.org"));
	assert_true(wgq_endpoint_valid("192.0.2.1:51820"));
	assert_true(wgq_endpoint_valid("[2001:db8::1]:51820"));
	assert_false(wgq_endpoint_valid("[2001:db8::1]"));
	assert_false(wgq_endpoint_valid("vpn.example.org"));
	assert_false(wgq_endpoint_valid(":51820"));
	assert_false(wgq_endpoint_valid("vpn:51820x"));
	assert_true(wgq_name_valid("alice-phone"));
	assert_false(wgq_name_valid(""));
	assert_false(wgq_name_valid("a b"));
	assert_false(wgq_name_valid("a\nb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_minimal),
		cmocka_unit_test(test_format_too_small),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_lenient_spelling),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_nul_and_long_line),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

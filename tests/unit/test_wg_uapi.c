/* SPDX-License-Identifier: ISC */
/*
 * The UAPI text against hand-written vectors (requests as wg(8) would send
 * them, replies as wireguard-go sends them). test_wg_uapi_io.c covers the
 * socket exchange.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wg/uapi.h"
#include "wg/uapi_text.h"

#define K1 "0101010101010101010101010101010101010101010101010101010101010101"
#define K2 "0202020202020202020202020202020202020202020202020202020202020202"
#define K3 "0303030303030303030303030303030303030303030303030303030303030303"
/* A clamped private key and its public key, as `wg pubkey` gives. */
#define SK "f87d1ee3a78f1542690723dab6154329cbad4c6d7faf172113badf0fb039dd75"

static char err[ERR_LEN]; /* the line of the last call that failed */

static struct wg_allowedip *aip(const char *s)
{
	struct wg_allowedip *a = NULL;

	assert_int_equal(wg_allowedip_parse(&a, s), 0);
	return a;
}

static void build_expect(const struct wg_device *dev, const char *want)
{
	struct strbuf req;

	strbuf_init(&req);
	assert_int_equal(uapi_text_request_set(&req, dev, err), 0);
	assert_int_equal(req.len, strlen(want));
	assert_memory_equal(req.buf, want, req.len);
	strbuf_finish(&req);
	assert_null(req.buf);
}

static void test_build_empty(void **state)
{
	struct wg_device dev = {.name = "wg0"};

	build_expect(&dev, "set=1\n\n");
}

static void test_build_full(void **state)
{
	struct wg_device dev = {.name = "wg0"};
	struct wg_peer p1 = {0}, p2 = {0}, p3 = {0};

	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK |
		    WGDEV_REPLACE_PEERS;
	memset(dev.private_key, 1, KEY_LEN);
	dev.listen_port = 51820;
	dev.fwmark = 4294967295U;
	dev.peers = &p1;
	p1.next = &p2;
	p2.next = &p3;

	memset(p1.public_key, 2, KEY_LEN);
	memset(p1.preshared_key, 3, KEY_LEN);
	p1.flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE |
		   WGPEER_REPLACE_ALLOWEDIPS;
	p1.endpoint.addr4.sin_family = AF_INET;
	p1.endpoint.addr4.sin_port = htons(51821);
	inet_pton(AF_INET, "192.0.2.7", &p1.endpoint.addr4.sin_addr);
	p1.keepalive = 25;
	p1.allowedips = aip("10.77.0.2/32");
	p1.allowedips->next = aip("fd77::2/128");

	/* Removal sends nothing else, whatever else the peer holds. */
	memset(p2.public_key, 3, KEY_LEN);
	p2.flags = WGPEER_REMOVE_ME | WGPEER_HAS_KEEPALIVE;

	memset(p3.public_key, 1, KEY_LEN);
	p3.flags = WGPEER_UPDATE_ONLY | WGPEER_HAS_ENDPOINT | WGPEER_HAS_PRESHARED_KEY;
	p3.endpoint.addr6.sin6_family = AF_INET6;
	p3.endpoint.addr6.sin6_port = htons(443);
	inet_pton(AF_INET6, "2001:db8::1", &p3.endpoint.addr6.sin6_addr);

	build_expect(
		&dev,
		"set=1\n"
		"private_key=" K1 "\n"
		"listen_port=51820\n"
		"fwmark=4294967295\n"
		"replace_peers=true\n"
		"public_key=" K2 "\n"
		"preshared_key=" K3 "\n"
		"endpoint=192.0.2.7:51821\n"
		"persistent_keepalive_interval=25\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.77.0.2/32\n"
		"allowed_ip=fd77::2/128\n"
		"public_key=" K3 "\n"
		"remove=true\n"
		"public_key=" K1 "\n"
		"update_only=true\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"endpoint=[2001:db8::1]:443\n"
		"\n");
	free(p1.allowedips->next);
	free(p1.allowedips);
}

static void test_build_rejects(void **state)
{
	struct wg_device dev = {.name = "wg0"};
	struct wg_allowedip a = {.family = AF_INET, .cidr = 33};
	struct wg_peer p = {.allowedips = &a};
	struct strbuf req;

	dev.peers = &p;
	strbuf_init(&req);
	assert_int_equal(uapi_text_request_set(&req, &dev, err), -EINVAL);
	assert_non_null(strstr(err, "wg0: invalid allowed IP"));
	strbuf_finish(&req);
	a.cidr = 32;
	p.flags = WGPEER_HAS_ENDPOINT;
	p.endpoint.addr.sa_family = AF_UNIX;
	assert_int_equal(uapi_text_request_set(&req, &dev, err), -EINVAL);
	assert_non_null(strstr(err, "wg0: peer endpoint"));
	strbuf_finish(&req);
}

static int parse(struct wg_device **dev, const char *reply)
{
	return uapi_text_parse_get(dev, "wg0", reply, strlen(reply), err);
}

static void test_parse_wireguard_go(void **state)
{
	/* As wireguard-go 0.0.20220316 answered, keys replaced. */
	static const char reply[] =
		"private_key=" SK "\n"
		"listen_port=51820\n"
		"public_key=" K1 "\n"
		"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
		"protocol_version=1\n"
		"endpoint=[2001:db8::2]:51820\n"
		"last_handshake_time_sec=1795825719\n"
		"last_handshake_time_nsec=414944746\n"
		"tx_bytes=968\n"
		"rx_bytes=732\n"
		"persistent_keepalive_interval=5\n"
		"allowed_ip=10.77.0.2/32\n"
		"allowed_ip=fd77::/64\n"
		"public_key=" K2 "\n"
		"preshared_key=" K3 "\n"
		"protocol_version=1\n"
		"endpoint=192.0.2.1:1\n"
		"last_handshake_time_sec=0\n"
		"last_handshake_time_nsec=0\n"
		"tx_bytes=18446744073709551615\n"
		"rx_bytes=0\n"
		"persistent_keepalive_interval=0\n"
		"errno=0\n"
		"\n";
	struct wg_device *dev = NULL;
	struct wg_peer *p;
	uint8_t k[KEY_LEN], pub[KEY_LEN];
	char ip[INET6_ADDRSTRLEN];

	assert_int_equal(uapi_text_parse_get(&dev, "wg0", reply, sizeof(reply) - 1, err), 0);
	assert_string_equal(dev->name, "wg0");
	assert_int_equal(dev->flags, WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT);
	assert_int_equal(key_from_hex(k, SK), 0);
	assert_memory_equal(dev->private_key, k, KEY_LEN);
	assert_int_equal(key_public(pub, k), 0);
	assert_memory_equal(dev->public_key, pub, KEY_LEN);
	assert_int_equal(dev->listen_port, 51820);

	p = dev->peers;
	assert_non_null(p);
	memset(k, 1, KEY_LEN);
	assert_memory_equal(p->public_key, k, KEY_LEN);
	assert_false(p->flags & WGPEER_HAS_PRESHARED_KEY);
	assert_int_equal(p->endpoint.addr.sa_family, AF_INET6);
	assert_int_equal(ntohs(p->endpoint.addr6.sin6_port), 51820);
	inet_ntop(AF_INET6, &p->endpoint.addr6.sin6_addr, ip, sizeof(ip));
	assert_string_equal(ip, "2001:db8::2");
	assert_int_equal(p->last_handshake.tv_sec, 1795825719);
	assert_int_equal(p->last_handshake.tv_nsec, 414944746);
	assert_int_equal(p->tx_bytes, 968);
	assert_int_equal(p->rx_bytes, 732);
	assert_int_equal(p->keepalive, 5);
	assert_non_null(p->allowedips);
	assert_int_equal(p->allowedips->family, AF_INET);
	assert_int_equal(p->allowedips->cidr, 32);
	assert_int_equal(p->allowedips->ip4.s_addr, htonl(0x0a4d0002));
	assert_non_null(p->allowedips->next);
	assert_int_equal(p->allowedips->next->family, AF_INET6);
	assert_int_equal(p->allowedips->next->cidr, 64);
	assert_null(p->allowedips->next->next);

	p = p->next;
	assert_non_null(p);
	memset(k, 3, KEY_LEN);
	assert_true(p->flags & WGPEER_HAS_PRESHARED_KEY);
	assert_memory_equal(p->preshared_key, k, KEY_LEN);
	assert_int_equal(p->endpoint.addr.sa_family, AF_INET);
	assert_int_equal(ntohs(p->endpoint.addr4.sin_port), 1);
	assert_int_equal(p->tx_bytes, UINT64_MAX);
	assert_null(p->allowedips);
	assert_null(p->next);
	assert_ptr_equal(wg_device_find_peer(dev, k), NULL);
	memset(k, 2, KEY_LEN);
	assert_ptr_equal(wg_device_find_peer(dev, k), p);
	wg_device_free(&dev);
	assert_null(dev);
}

static void test_parse_small(void **state)
{
	struct wg_device *dev = NULL;

	/* No private key: no public key either; fwmark read. */
	assert_int_equal(parse(&dev, "listen_port=0\nfwmark=7\nerrno=0\n\n"), 0);
	assert_int_equal(dev->flags, WGDEV_HAS_LISTEN_PORT | WGDEV_HAS_FWMARK);
	assert_int_equal(dev->fwmark, 7);
	assert_true(key_is_zero(dev->public_key));
	assert_null(dev->peers);
	wg_device_free(&dev);

	/* The closing blank line is missing only when the server hung up. */
	assert_int_equal(parse(&dev, "errno=0\n"), 0);
	wg_device_free(&dev);

	/* A link-local endpoint with a numeric scope. */
	assert_int_equal(parse(&dev, "public_key=" K1 "\nendpoint=[fe80::1%3]:51820\nerrno=0\n\n"),
			 0);
	assert_int_equal(dev->peers->endpoint.addr6.sin6_scope_id, 3);
	wg_device_free(&dev);
}

static void test_parse_unknown_keys(void **state)
{
	struct wg_device *dev = NULL;

	/* Newer servers may say more; wg(8) skips what it does not know. */
	assert_int_equal(parse(&dev, "listen_port=1\nfuture_key=x\npublic_key=" K1
				     "\nfuture_peer_key=y\nallowed_ip=10.0.0.0/8\nerrno=0\n\n"),
			 0);
	assert_int_equal(dev->listen_port, 1);
	assert_non_null(dev->peers);
	assert_int_equal(dev->peers->allowedips->cidr, 8);
	wg_device_free(&dev);
}

/* Each bad reply fails with -EPROTO and names the interface and the line. */
static void expect_bad(const char *reply, const char *msg)
{
	struct wg_device *dev = (struct wg_device *)1;
	int ret = parse(&dev, reply);

	if (ret != -EPROTO || dev != NULL || strstr(err, msg) == NULL)
		fail_msg("reply '%s': got %d, '%s'; wanted -EPROTO and '%s'", reply, ret, err, msg);
}

static void test_parse_malformed(void **state)
{
	expect_bad("listen_port\nerrno=0\n\n", "wg0: malformed UAPI reply at line 1");
	expect_bad("=1\nerrno=0\n\n", "at line 1");
	expect_bad("listen_port=1\nlisten_port=65536\nerrno=0\n\n", "at line 2: bad 'listen_port'");
	expect_bad("listen_port=-1\nerrno=0\n\n", "at line 1");
	expect_bad("listen_port=\nerrno=0\n\n", "at line 1");
	expect_bad("listen_port= 1\nerrno=0\n\n", "at line 1");
	expect_bad("fwmark=4294967296\nerrno=0\n\n", "at line 1");
	expect_bad("private_key=" K1 "0\nerrno=0\n\n", "at line 1: bad 'private_key'");
	expect_bad("private_key=zz" K1 "\nerrno=0\n\n", "at line 1");
	expect_bad("public_key=" K1 "\nendpoint=192.0.2.1\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nendpoint=192.0.2.1:65536\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nendpoint=2001:db8::1:80\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nendpoint=[192.0.2.1]:80\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nendpoint=[::1]80\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nallowed_ip=10.0.0.0/33\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nlast_handshake_time_nsec=1000000000\nerrno=0\n\n",
		   "at line 2");
	expect_bad("public_key=" K1 "\nrx_bytes=18446744073709551616\nerrno=0\n\n", "at line 2");
	expect_bad("public_key=" K1 "\nprotocol_version=2\nerrno=0\n\n", "at line 2");
	/* Peer lines need a peer; device lines come before the peers. */
	expect_bad("allowed_ip=10.0.0.1/32\nerrno=0\n\n", "at line 1");
	expect_bad("public_key=" K1 "\nlisten_port=1\nerrno=0\n\n", "at line 2");
	/* errno ends the reply. */
	expect_bad("errno=0\nlisten_port=1\n\n", "at line 2: data after errno");
	expect_bad("errno=0\n\nlisten_port=1\n", "data after the end");
	expect_bad("errno=x\n\n", "at line 1: bad 'errno'");
	expect_bad("errno=\n\n", "at line 1");
	expect_bad("errno=99999999999\n\n", "at line 1");
	/* NUL bytes and overlong lines. */
	expect_bad("listen_port=1\0\nerrno=0\n\n", "at line 1");
	{
		char big[600];

		memset(big, 'a', sizeof(big));
		memcpy(big, "x=", 2);
		memcpy(big + sizeof(big) - 11, "\nerrno=0\n\n", 11);
		expect_bad(big, "at line 1");
	}
}

static void test_parse_truncated(void **state)
{
	struct wg_device *dev = NULL;

	expect_bad("", "wg0: truncated UAPI reply at line 1: no errno line");
	expect_bad("listen_port=1\n", "truncated UAPI reply at line 2: no errno line");
	expect_bad("listen_port=1\n\n", "no errno line");
	expect_bad("listen_port=1\nerr", "truncated UAPI reply at line 2");
	expect_bad("errno=0", "truncated UAPI reply at line 1");
	/* A length that cuts a reply short is the same. */
	assert_int_equal(uapi_text_parse_get(&dev, "wg0", "listen_port=1\nerrno=0\n\n", 10, err),
			 -EPROTO);
	assert_null(dev);
}

static int parse_set(const char *reply)
{
	return uapi_text_parse_set("wg1", reply, strlen(reply), err);
}

static void test_parse_errno(void **state)
{
	struct wg_device *dev = NULL;

	/* wireguard-go sends -N, the spec N. */
	assert_int_equal(parse(&dev, "errno=-22\n\n"), -EINVAL);
	assert_null(dev);
	assert_string_equal(err,
			    "wg0: the userspace WireGuard refused: errno=22 (Invalid argument)");
	assert_int_equal(parse(&dev, "listen_port=1\nerrno=2\n\n"), -ENOENT);
	assert_null(dev);
	/* Out of the errno range: still an error, not success. */
	assert_int_equal(parse(&dev, "errno=123456\n\n"), -EPROTO);

	assert_int_equal(parse_set("errno=0\n\n"), 0);
	assert_int_equal(parse_set("errno=-1\n\n"), -EPERM);
	assert_non_null(strstr(err, "wg1: the userspace WireGuard refused: errno=1"));
	assert_int_equal(parse_set("listen_port=1\nerrno=0\n\n"), -EPROTO);
	assert_int_equal(parse_set("\n"), -EPROTO);
	assert_string_equal(err, "wg1: truncated UAPI reply at line 2: no errno line");
	assert_int_equal(parse_set(""), -EPROTO);
}

static void test_reply_end(void **state)
{
	assert_int_equal(uapi_text_reply_end("", 0), 0);
	assert_int_equal(uapi_text_reply_end("errno=0\n", 8), 0);
	assert_int_equal(uapi_text_reply_end("errno=0\n\n", 9), 9);
	assert_int_equal(uapi_text_reply_end("errno=0\n\nmore", 13), 9);
	assert_int_equal(uapi_text_reply_end("\n", 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_empty),     cmocka_unit_test(test_build_full),
		cmocka_unit_test(test_build_rejects),   cmocka_unit_test(test_parse_wireguard_go),
		cmocka_unit_test(test_parse_small),     cmocka_unit_test(test_parse_unknown_keys),
		cmocka_unit_test(test_parse_malformed), cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_errno),     cmocka_unit_test(test_reply_end),
	};

	key_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

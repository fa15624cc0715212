/* SPDX-License-Identifier: ISC */
/*
 * rtnl and the kernel backend against the running kernel, inside a private
 * network namespace that dies with this process (root only; skipped
 * otherwise). Where the kernel has no WireGuard (this build host) the
 * WireGuard parts check the errors a user sees; where it has (the qemu VM of
 * tests/kernel) they set and read back a real device.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "monitor/rtnl.h"
#include "wg/wgnl.h"

static bool kernel_has_wireguard;
static char err[ERR_LEN]; /* the line of the last call that failed */

/* The first line of `ip ARGS` in this namespace, or "" */
static void ip_out(const char *args, char *out, size_t len)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ip %s 2>&1", args);
	out[0] = '\0';
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fread(out, 1, len - 1, p) > 0)
		out[len - 1] = '\0';
	pclose(p);
}

static int setup(void **state)
{
	char out[512] = {0};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "wg_kernel: needs root for a private network namespace\n");
		return -1;
	}
	if (system("ip link add kgv0 type veth peer name kgv1") != 0)
		return -1;
	memset(out, 0, sizeof(out));
	ip_out("link show kgv0", out, sizeof(out));
	return strstr(out, "kgv0") != NULL ? 0 : -1;
}

static void test_link_index(void **state)
{
	assert_true(rtnl_link_index("lo") > 0);
	assert_true(rtnl_link_index("kgv0") > 0);
	assert_int_equal(rtnl_link_index("kgnone0"), -ENODEV);
	assert_int_equal(rtnl_link_up("kgnone0", err), -ENODEV);
	assert_string_equal(err, "kgnone0: no such interface");
	assert_int_equal(rtnl_link_index("a-name-too-long-for-linux"), -EINVAL);
}

static void test_addr_and_up(void **state)
{
	char out[2048] = {0};
	struct in_addr a4;
	struct in6_addr a6;

	inet_pton(AF_INET, "192.0.2.1", &a4);
	inet_pton(AF_INET6, "fd77::1", &a6);
	assert_int_equal(rtnl_addr_add("kgv0", AF_INET, &a4, 24, err), 0);
	assert_int_equal(rtnl_addr_add("kgv0", AF_INET, &a4, 24, err), 0); /* already there */
	assert_int_equal(rtnl_addr_add("kgv0", AF_INET6, &a6, 64, err), 0);
	assert_int_equal(rtnl_addr_add("kgv0", AF_INET, &a4, 33, err), -EINVAL);
	assert_int_equal(rtnl_addr_add("kgnone0", AF_INET, &a4, 24, err), -ENODEV);
	ip_out("-o addr show dev kgv0", out, sizeof(out));
	assert_non_null(strstr(out, "inet 192.0.2.1/24"));
	assert_non_null(strstr(out, "inet6 fd77::1/64"));

	ip_out("-o link show kgv1", out, sizeof(out));
	assert_null(strstr(out, ",UP"));
	assert_int_equal(rtnl_link_up("kgv1", err), 0);
	ip_out("-o link show kgv1", out, sizeof(out));
	assert_non_null(strstr(out, ",UP"));
}

static void test_wireguard_link(void **state)
{
	int ret = rtnl_link_add_wireguard("kgwg0", err);

	kernel_has_wireguard = ret == 0;
	if (!kernel_has_wireguard) {
		assert_int_equal(ret, -EOPNOTSUPP);
		assert_string_equal(err, "kgwg0: kernel has no WireGuard (cannot "
					 "create a link of kind wireguard)");
		return;
	}
	assert_true(rtnl_link_index("kgwg0") > 0);
	assert_int_equal(rtnl_link_add_wireguard("kgwg0", err), -EEXIST);
	assert_int_equal(rtnl_link_up("kgwg0", err), 0);
}

static void test_backend_errors(void **state)
{
	struct wg_device *dev = NULL;
	int ret = wgnl_get_device(&dev, "kgnone0", err);

	assert_null(dev);
	if (!kernel_has_wireguard) {
		assert_int_equal(ret, -ENOENT);
		assert_string_equal(
			err, "kgnone0: kernel has no WireGuard (genetlink family not found)");
		return;
	}
	assert_int_equal(ret, -ENODEV);
	assert_string_equal(err, "kgnone0: no such interface");
	/* A link that is not WireGuard. */
	assert_int_equal(wgnl_get_device(&dev, "kgv0", err), -EOPNOTSUPP);
	assert_string_equal(err, "kgv0: not a WireGuard interface");
}

/* 150 peers with 4 allowed IPs and one with 600: many messages each way. */
static struct wg_device *big_device(void)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));
	struct wg_peer **tail = &dev->peers;

	assert_non_null(dev);
	strcpy(dev->name, "kgwg0");
	dev->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;
	key_generate_private(dev->private_key);
	dev->listen_port = 51820;
	for (unsigned int i = 0; i < 151; i++) {
		struct wg_peer *p = calloc(1, sizeof(*p));
		struct wg_allowedip **at = &p->allowedips;
		unsigned int n = i == 75 ? 600 : 4;

		assert_non_null(p);
		key_generate_private(p->preshared_key);
		assert_int_equal(key_public(p->public_key, p->preshared_key), 0);
		p->flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS |
			   WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE;
		p->keepalive = 25;
		p->endpoint.addr4.sin_family = AF_INET;
		p->endpoint.addr4.sin_port = htons((uint16_t)(1000 + i));
		p->endpoint.addr4.sin_addr.s_addr = htonl(0xc0000200 | (i & 0xff));
		for (unsigned int j = 0; j < n; j++) {
			struct wg_allowedip *a = calloc(1, sizeof(*a));

			assert_non_null(a);
			a->family = AF_INET;
			a->ip4.s_addr = htonl(0x0a000000 | (i << 12) | j);
			a->cidr = 32;
			*at = a;
			at = &a->next;
		}
		*tail = p;
		tail = &p->next;
	}
	return dev;
}

static size_t count_aips(const struct wg_peer *p)
{
	size_t n = 0;

	for (const struct wg_allowedip *a = p->allowedips; a != NULL; a = a->next)
		n++;
	return n;
}

static void test_set_get_roundtrip(void **state)
{
	struct wg_device *want, *got = NULL;
	struct wg_peer *p, *q;
	struct wg_peer rm = {0};
	struct wg_device del = {.name = "kgwg0"};

	if (!kernel_has_wireguard) {
		skip();
		return;
	}
	want = big_device();
	assert_int_equal(wgnl_set_device(want, err), 0);
	assert_int_equal(wgnl_get_device(&got, "kgwg0", err), 0);
	assert_string_equal(got->name, "kgwg0");
	assert_int_equal(got->listen_port, 51820);
	assert_memory_equal(got->private_key, want->private_key, KEY_LEN);
	/* The kernel keeps its own order; look each peer up. */
	for (p = want->peers; p != NULL; p = p->next) {
		q = wg_device_find_peer(got, p->public_key);
		assert_non_null(q);
		assert_memory_equal(q->preshared_key, p->preshared_key, KEY_LEN);
		assert_memory_equal(&q->endpoint.addr4, &p->endpoint.addr4,
				    sizeof(p->endpoint.addr4));
		assert_int_equal(q->keepalive, 25);
		assert_int_equal(count_aips(q), count_aips(p));
	}
	wg_device_free(&got);

	/* Removing one peer leaves the others. */
	memcpy(rm.public_key, want->peers->public_key, KEY_LEN);
	rm.flags = WGPEER_REMOVE_ME;
	del.peers = &rm;
	assert_int_equal(wgnl_set_device(&del, err), 0);
	assert_int_equal(wgnl_get_device(&got, "kgwg0", err), 0);
	assert_null(wg_device_find_peer(got, want->peers->public_key));
	assert_non_null(wg_device_find_peer(got, want->peers->next->public_key));
	wg_device_free(&got);
	wg_device_free(&want);

	assert_int_equal(rtnl_link_del("kgwg0", err), 0);
	assert_int_equal(rtnl_link_index("kgwg0"), -ENODEV);
}

static void test_link_del(void **state)
{
	assert_int_equal(rtnl_link_del("kgv0", err), 0);
	assert_int_equal(rtnl_link_index("kgv1"), -ENODEV); /* its veth peer went too */
	assert_int_equal(rtnl_link_del("kgv0", err), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_index),        cmocka_unit_test(test_addr_and_up),
		cmocka_unit_test(test_wireguard_link),    cmocka_unit_test(test_backend_errors),
		cmocka_unit_test(test_set_get_roundtrip), cmocka_unit_test(test_link_del),
	};

	if (key_init() < 0)
		return 1;
	if (geteuid() != 0)
		return 77; /* meson: skipped */
	return cmocka_run_group_tests_name("wg_kernel", tests, setup, NULL);
}

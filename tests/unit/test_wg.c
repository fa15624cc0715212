/* SPDX-License-Identifier: ISC */
/* The data model (wg.h) and the choice of a backend (wgipc.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wg/wgipc.h"

static void expect_aip(const char *s, int family, const char *addr, unsigned int cidr)
{
	struct wg_allowedip *a = NULL;
	unsigned char want[16];

	assert_int_equal(wg_allowedip_parse(&a, s), 0);
	assert_non_null(a);
	assert_int_equal(a->family, family);
	assert_int_equal(a->cidr, cidr);
	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_memory_equal(&a->ip6, want, family == AF_INET ? 4 : 16);
	assert_null(a->next);
	free(a);
}

static void test_allowedip_parse(void **state)
{
	expect_aip("10.77.0.2/32", AF_INET, "10.77.0.2", 32);
	expect_aip("10.77.0.0/24", AF_INET, "10.77.0.0", 24);
	expect_aip("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
	expect_aip("192.0.2.1", AF_INET, "192.0.2.1", 32);
	expect_aip("fd77::2/128", AF_INET6, "fd77::2", 128);
	expect_aip("::/0", AF_INET6, "::", 0);
	expect_aip("fd77::", AF_INET6, "fd77::", 128);
	expect_aip("::ffff:192.0.2.1/96", AF_INET6, "::ffff:192.0.2.1", 96);
}

static void test_allowedip_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"/",
		"/32",
		"10.0.0.1/",
		"10.0.0.1/33",
		"fd77::/129",
		"10.0.0.1/-1",
		"10.0.0.1/ 8",
		"10.0.0.1/8 ",
		" 10.0.0.1",
		"10.0.0.1/08",
		"10.0.0.1/1000",
		"10.0.0.256",
		"example.com",
		"fd77::/64/1",
		"10.0.0.1/32x",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999/128",
	};
	struct wg_allowedip *a = (struct wg_allowedip *)1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (wg_allowedip_parse(&a, bad[i]) != -EINVAL || a != NULL)
			fail_msg("'%s' was accepted", bad[i]);
	}
	assert_int_equal(wg_allowedip_parse(&a, NULL), -EINVAL);
}

static void test_free_null_safe(void **state)
{
	struct wg_device *dev = NULL;
	struct wg_peer *p = NULL;

	wg_device_free(NULL);
	wg_device_free(&dev);
	wg_peer_free(NULL);
	wg_peer_free(&p);

	dev = calloc(1, sizeof(*dev));
	assert_non_null(dev);
	dev->peers = calloc(1, sizeof(*dev->peers));
	assert_non_null(dev->peers);
	dev->peers->next = calloc(1, sizeof(*dev->peers));
	assert_non_null(dev->peers->next);
	dev->peers->next->public_key[0] = 9;
	assert_int_equal(wg_allowedip_parse(&dev->peers->allowedips, "10.0.0.1"), 0);
	assert_ptr_equal(wg_device_find_peer(dev, dev->peers->next->public_key), dev->peers->next);
	wg_device_free(&dev); /* ASan reports what it missed */
	assert_null(dev);
	assert_null(wg_device_find_peer(NULL, (uint8_t[KEY_LEN]){0}));
}

static void test_bad_ifname(void **state)
{
	static const char *const bad[] = {
		"", "a/b", "..", ".", "sixteen-chars-xx", "wg 0", "wg\n0",
	};
	struct wg_device *dev = (struct wg_device *)1;
	uint8_t key[KEY_LEN] = {0};
	char err[ERR_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(wgipc_get_device(&dev, bad[i], err), -EINVAL);
		assert_null(dev);
		assert_non_null(strstr(err, "invalid interface name"));
		assert_null(strchr(err, '\n'));
		assert_int_equal(wgipc_remove_peer(bad[i], key, err), -EINVAL);
		assert_int_equal(wg_check_ifname(bad[i], err), -EINVAL);
		assert_ptr_equal(wgipc_backend_for(bad[i]), &wgipc_backend_netlink);
	}
	assert_int_equal(wg_check_ifname("wg0", err), 0);
}

/* The userspace backend, called directly, keeps to /var/run/wireguard. */
static void test_uapi_backend_names(void **state)
{
	static const char *const bad[] = {"", "..", "../x", "a/b", "wg 0"};
	struct wg_device *dev = (struct wg_device *)1;
	struct wg_device set = {0};
	char err[ERR_LEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(wgipc_backend_uapi.get_device(&dev, bad[i], err), -EINVAL);
		assert_null(dev);
		assert_non_null(strstr(err, "invalid interface name"));
		snprintf(set.name, sizeof(set.name), "%s", bad[i]);
		assert_int_equal(wgipc_backend_uapi.set_device(&set, err), -EINVAL);
		assert_non_null(strstr(err, "invalid interface name"));
	}
}

static void test_backend_choice(void **state)
{
	/* No UAPI socket: the kernel is asked. */
	assert_ptr_equal(wgipc_backend_for("kgnosuchif0"), &wgipc_backend_netlink);
	assert_string_equal(wgipc_backend_uapi.name, "userspace");
	assert_string_equal(wgipc_backend_netlink.name, "kernel");
}

static void test_error_line(void **state)
{
	char err[ERR_LEN];

	errno = EAGAIN;
	wg_err(err, "first line\nsecond line");
	assert_string_equal(err, "first line");
	assert_int_equal(errno, EAGAIN);
	/* A reply's terminal escapes do not reach the admin's terminal. */
	wg_err(err, "wg0: bad '%s' value", "\033[2Jx\ty\177");
	assert_string_equal(err, "wg0: bad '?[2Jx?y?' value");
}

/* A caller's struct whose name fills all IFNAMSIZ bytes: refused, not overrun. */
static void test_unterminated_name(void **state)
{
	struct wg_device dev = {0};
	char err[ERR_LEN];

	memset(dev.name, 'a', sizeof(dev.name));
	assert_int_equal(wgipc_set_device(&dev, err), -EINVAL);
	assert_string_equal(err, "invalid interface name 'aaaaaaaaaaaaaaaa'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowedip_parse),   cmocka_unit_test(test_allowedip_rejects),
		cmocka_unit_test(test_free_null_safe),    cmocka_unit_test(test_bad_ifname),
		cmocka_unit_test(test_backend_choice),    cmocka_unit_test(test_error_line),
		cmocka_unit_test(test_unterminated_name), cmocka_unit_test(test_uapi_backend_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

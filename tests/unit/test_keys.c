/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keys.h"

/* Runs `wg CMD` with input on stdin; returns its first output line. */
static int run_wg(const char *cmd, const char *input, char *out, size_t outlen)
{
	const char *wg = getenv("WG");
	char tmpl[] = "/tmp/keygate-test-keys-XXXXXX";
	char line[512];
	FILE *p;
	int fd;

	if (wg == NULL || wg[0] == '\0')
		wg = "wg";
	fd = mkstemp(tmpl);
	if (fd < 0)
		return -1;
	if (write(fd, input, strlen(input)) != (ssize_t)strlen(input)) {
		close(fd);
		return -1;
	}
	close(fd);
	snprintf(line, sizeof(line), "'%s' %s < '%s'", wg, cmd, tmpl);
	p = popen(line, "r");
	if (p == NULL || fgets(out, (int)outlen, p) == NULL) {
		if (p != NULL)
			pclose(p);
		unlink(tmpl);
		return -1;
	}
	unlink(tmpl);
	if (pclose(p) != 0)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static void test_base64_roundtrip(void **state)
{
	uint8_t k[KEY_LEN], k2[KEY_LEN];
	key_b64_t b;

	for (int i = 0; i < 100; i++) {
		key_generate_private(k);
		assert_int_equal(k[0] & 7, 0);
		assert_int_equal(k[31] & 0xc0, 0x40);
		key_to_base64(b, k);
		assert_int_equal(strlen(b), KEY_B64_LEN);
		assert_int_equal(key_from_base64(k2, b), 0);
		assert_memory_equal(k, k2, KEY_LEN);
	}
}

static void test_base64_rejects(void **state)
{
	uint8_t k[KEY_LEN];

	assert_int_equal(key_from_base64(k, ""), -EINVAL);
	assert_int_equal(key_from_base64(k, NULL), -EINVAL);
	/* 43 characters, one short */
	assert_int_equal(key_from_base64(k, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm="),
			 -EINVAL);
	/* bad character */
	assert_int_equal(key_from_base64(k, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3f!mk="),
			 -EINVAL);
	/* 33 bytes would need no padding; a trailing newline is not part of a key */
	assert_int_equal(key_from_base64(k, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"),
			 -EINVAL);
	assert_int_equal(key_from_base64(k, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="), 0);
}

static void test_hex(void **state)
{
	uint8_t k[KEY_LEN], k2[KEY_LEN];
	key_hex_t h;

	key_generate_preshared(k);
	key_to_hex(h, k);
	assert_int_equal(strlen(h), KEY_HEX_LEN);
	for (size_t i = 0; i < KEY_HEX_LEN; i++)
		assert_true((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'));
	assert_int_equal(key_from_hex(k2, h), 0);
	assert_memory_equal(k, k2, KEY_LEN);
	h[5] = 'g';
	assert_int_equal(key_from_hex(k2, h), -EINVAL);
	assert_int_equal(key_from_hex(k2, "00"), -EINVAL);
}

/* Our public keys are wg's, and wg reads our private keys. */
static void test_against_wg_tool(void **state)
{
	uint8_t sk[KEY_LEN], pk[KEY_LEN], sk2[KEY_LEN], pk2[KEY_LEN];
	key_b64_t b, pb;
	char out[256], in[300];

	for (int i = 0; i < 5; i++) {
		key_generate_private(sk);
		assert_int_equal(key_public(pk, sk), 0);
		key_to_base64(b, sk);
		snprintf(in, sizeof(in), "%s\n", b);
		assert_int_equal(run_wg("pubkey", in, out, sizeof(out)), 0);
		key_to_base64(pb, pk);
		assert_string_equal(out, pb);
	}
	/* and the other way: wg genkey, our public key */
	assert_int_equal(run_wg("genkey", "", out, sizeof(out)), 0);
	assert_int_equal(key_from_base64(sk2, out), 0);
	assert_int_equal(key_public(pk2, sk2), 0);
	snprintf(in, sizeof(in), "%s\n", out);
	assert_int_equal(run_wg("pubkey", in, out, sizeof(out)), 0);
	key_to_base64(pb, pk2);
	assert_string_equal(out, pb);
}

static void test_key_file(void **state)
{
	char dir[] = "/tmp/keygate-keyfile-XXXXXX";
	char path[256];
	uint8_t k[KEY_LEN], k2[KEY_LEN];
	struct stat st;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/private.key", dir);
	key_generate_private(k);
	assert_int_equal(key_file_write(path, k), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(key_file_read(k2, path), 0);
	assert_memory_equal(k, k2, KEY_LEN);

	/* world-readable still reads (with a warning) */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(key_file_read(k2, path), 0);

	/* garbage is refused */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	assert_int_equal(key_file_read(k2, path), -EINVAL);

	/* missing */
	unlink(path);
	assert_int_equal(key_file_read(k2, path), -ENOENT);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_roundtrip),
		cmocka_unit_test(test_base64_rejects),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_against_wg_tool),
		cmocka_unit_test(test_key_file),
	};

	if (keys_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
#include <dirent.h>
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

#include "base/key.h"

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

/* What the library logged while fn ran: stderr goes to a file meanwhile. */
static char logged[1024];

static int capture_begin(void)
{
	char tmpl[] = "/tmp/keygate-test-stderr-XXXXXX";
	int fd = mkstemp(tmpl), saved;

	assert_true(fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	return saved;
}

static const char *capture_end(int saved)
{
	ssize_t n;

	fflush(stderr);
	assert_int_equal(lseek(STDERR_FILENO, 0, SEEK_SET), 0);
	n = read(STDERR_FILENO, logged, sizeof(logged) - 1);
	assert_true(n >= 0);
	logged[n] = '\0';
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	return logged;
}

static void test_key_file(void **state)
{
	char dir[] = "/tmp/keygate-keyfile-XXXXXX";
	char path[256], want[512], err[ERR_LEN];
	uint8_t k[KEY_LEN], k2[KEY_LEN];
	struct dirent *e;
	struct stat st;
	int fd, saved, files = 0;
	DIR *d;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/private.key", dir);
	key_generate_private(k);
	assert_int_equal(key_file_write(path, k, err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	saved = capture_begin();
	assert_int_equal(key_file_read(k2, path, err), 0);
	assert_string_equal(capture_end(saved), "");
	assert_memory_equal(k, k2, KEY_LEN);

	/* world-readable still reads, with a warning that names the file */
	assert_int_equal(chmod(path, 0644), 0);
	saved = capture_begin();
	assert_int_equal(key_file_read(k2, path, err), 0);
	snprintf(want, sizeof(want), "key file %s is readable by others (mode 0644)", path);
	assert_non_null(strstr(capture_end(saved), want));

	/* rewriting replaces it with a 0600 file and leaves no temporary behind */
	assert_int_equal(key_file_write(path, k, err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		files += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(files, 1);

	/* garbage is refused, in one line naming the file, and nothing is
	 * printed: the caller says it */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	saved = capture_begin();
	assert_int_equal(key_file_read(k2, path, err), -EINVAL);
	assert_string_equal(capture_end(saved), "");
	snprintf(want, sizeof(want), "key in %s is not 32 bytes of base64", path);
	assert_string_equal(err, want);

	/* missing */
	unlink(path);
	assert_int_equal(key_file_read(k2, path, err), -ENOENT);
	snprintf(want, sizeof(want), "cannot open key file %s: No such file or directory", path);
	assert_string_equal(err, want);

	/* a FIFO nobody writes to is refused at once, not waited on */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(key_file_read(k2, path, err), -EINVAL);
	snprintf(want, sizeof(want), "key file %s is not a regular file", path);
	assert_string_equal(err, want);
	unlink(path);

	/* a folder that is not there: the error names the key file */
	snprintf(path, sizeof(path), "%s/missing/private.key", dir);
	assert_int_equal(key_file_write(path, k, err), -ENOENT);
	snprintf(want, sizeof(want), "cannot write key file %s: No such file or directory", path);
	assert_string_equal(err, want);
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

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

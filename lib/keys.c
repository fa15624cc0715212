/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
#include "log.h"

int keys_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void key_generate_private(uint8_t sk[KEY_LEN])
{
	randombytes_buf(sk, KEY_LEN);
	sk[0] &= 248;
	sk[31] = (sk[31] & 127) | 64;
}

void key_generate_preshared(uint8_t psk[KEY_LEN])
{
	randombytes_buf(psk, KEY_LEN);
}

int key_public(uint8_t pk[KEY_LEN], const uint8_t sk[KEY_LEN])
{
	return crypto_scalarmult_base(pk, sk) == 0 ? 0 : -EINVAL;
}

void key_to_base64(key_b64_t out, const uint8_t key[KEY_LEN])
{
	sodium_bin2base64(out, KEY_B64_LEN + 1, key, KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

int key_from_base64(uint8_t key[KEY_LEN], const char *s)
{
	uint8_t tmp[KEY_LEN + 1];
	size_t len = 0;
	const char *end = NULL;
	int ret = -EINVAL;

	/* 32 bytes make 43 characters and one '=': nothing else is a key. */
	if (s == NULL || strlen(s) != KEY_B64_LEN || s[KEY_B64_LEN - 1] != '=')
		return -EINVAL;
	if (sodium_base642bin(tmp, sizeof(tmp), s, KEY_B64_LEN, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		goto out;
	if (len != KEY_LEN || end != s + KEY_B64_LEN)
		goto out;
	memcpy(key, tmp, KEY_LEN);
	ret = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	return ret;
}

void key_to_hex(key_hex_t out, const uint8_t key[KEY_LEN])
{
	sodium_bin2hex(out, KEY_HEX_LEN + 1, key, KEY_LEN);
}

int key_from_hex(uint8_t key[KEY_LEN], const char *s)
{
	uint8_t tmp[KEY_LEN];
	size_t len = 0;
	const char *end = NULL;
	int ret = -EINVAL;

	if (s == NULL || strlen(s) != KEY_HEX_LEN)
		return -EINVAL;
	if (sodium_hex2bin(tmp, sizeof(tmp), s, KEY_HEX_LEN, NULL, &len, &end) != 0)
		goto out;
	if (len != KEY_LEN || end != s + KEY_HEX_LEN)
		goto out;
	memcpy(key, tmp, KEY_LEN);
	ret = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	return ret;
}

bool key_is_zero(const uint8_t key[KEY_LEN])
{
	return sodium_is_zero(key, KEY_LEN) == 1;
}

bool key_equal(const uint8_t a[KEY_LEN], const uint8_t b[KEY_LEN])
{
	return sodium_memcmp(a, b, KEY_LEN) == 0;
}

int key_file_read(uint8_t key[KEY_LEN], const char *path)
{
	char buf[KEY_B64_LEN + 8];
	struct stat st;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ret = -errno;
		log_error("cannot open key file %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("key file %s is readable by others (mode %04o); it should be 0600", path,
			 (unsigned)(st.st_mode & 07777));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		ret = -errno;
		close(fd);
		log_error("cannot read key file %s: %s", path, strerror(-ret));
		goto out;
	}
	close(fd);
	ret = 0;
	buf[n] = '\0';
	/* One key, optionally followed by a newline. */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (key_from_base64(key, buf) < 0) {
		log_error("key in %s is not 32 bytes of base64", path);
		ret = -EINVAL;
	}
out:
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int key_file_write(const char *path, const uint8_t key[KEY_LEN])
{
	char tmp[4096];
	char line[KEY_B64_LEN + 2];
	int fd = -1, ret = 0;
	size_t len;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC); /* mkostemp makes the file 0600 */
	if (fd < 0) {
		ret = -errno;
		log_error("cannot create %s: %s", tmp, strerror(errno));
		return ret;
	}
	key_to_base64(line, key);
	len = strlen(line);
	line[len++] = '\n';
	if (fchmod(fd, 0600) < 0 || write(fd, line, len) != (ssize_t)len || fsync(fd) < 0) {
		ret = errno != 0 ? -errno : -EIO;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		ret = -errno;
		goto fail;
	}
	sodium_memzero(line, sizeof(line));
	return 0;
fail:
	log_error("cannot write key file %s: %s", path, strerror(-ret));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	sodium_memzero(line, sizeof(line));
	return ret;
}

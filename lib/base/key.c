/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/key.h"
#include "base/log.h"
#include "base/outfile.h"

int key_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
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

/* Both text forms decode through here so that the scratch copy is wiped on
 * every path and exactly slen characters must make exactly 32 bytes. */
static int key_decode(uint8_t key[KEY_LEN], const char *s, size_t slen, bool hex)
{
	uint8_t tmp[KEY_LEN + 1];
	size_t len = 0;
	const char *end = NULL;
	int ret = -EINVAL;

	if (s == NULL || strlen(s) != slen)
		return -EINVAL;
	if (hex)
		ret = sodium_hex2bin(tmp, sizeof(tmp), s, slen, NULL, &len, &end);
	else
		ret = sodium_base642bin(tmp, sizeof(tmp), s, slen, NULL, &len, &end,
					sodium_base64_VARIANT_ORIGINAL);
	if (ret != 0 || len != KEY_LEN || end != s + slen) {
		ret = -EINVAL;
		goto fail;
	}
	memcpy(key, tmp, KEY_LEN);
	ret = 0;
fail:
	sodium_memzero(tmp, sizeof(tmp));
	return ret;
}

int key_from_base64(uint8_t key[KEY_LEN], const char *s)
{
	/* 32 bytes make 43 characters and one '=': nothing else is a key. */
	if (s == NULL || strlen(s) != KEY_B64_LEN || s[KEY_B64_LEN - 1] != '=')
		return -EINVAL;
	return key_decode(key, s, KEY_B64_LEN, false);
}

void key_to_hex(key_hex_t out, const uint8_t key[KEY_LEN])
{
	sodium_bin2hex(out, KEY_HEX_LEN + 1, key, KEY_LEN);
}

int key_from_hex(uint8_t key[KEY_LEN], const char *s)
{
	return key_decode(key, s, KEY_HEX_LEN, true);
}

bool key_is_zero(const uint8_t key[KEY_LEN])
{
	return sodium_is_zero(key, KEY_LEN) == 1;
}

bool key_equal(const uint8_t a[KEY_LEN], const uint8_t b[KEY_LEN])
{
	return sodium_memcmp(a, b, KEY_LEN) == 0;
}

int key_file_read(uint8_t key[KEY_LEN], const char *path, char err[ERR_LEN])
{
	char buf[KEY_B64_LEN + 8];
	struct stat st;
	ssize_t n = 0;
	int fd = -1, ret;

	/* O_NONBLOCK: a FIFO at the path must not hang the caller. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		text_err(err, "cannot open key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		text_err(err, "cannot read key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		text_err(err, "key file %s is not a regular file", path);
		goto fail;
	}
	if ((st.st_mode & 077) != 0)
		log_warn("key file %s is readable by others (mode %04o); it should be 0600", path,
			 (unsigned)(st.st_mode & 07777));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		ret = -errno;
		n = 0;
		text_err(err, "cannot read key file %s: %s", path, strerror(-ret));
		goto fail;
	}
	buf[n] = '\0';
	/* One key, optionally followed by a newline. */
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	ret = key_from_base64(key, buf);
	if (ret < 0)
		text_err(err, "key in %s is not 32 bytes of base64", path);
fail:
	if (fd >= 0)
		close(fd);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int key_file_write(const char *path, const uint8_t key[KEY_LEN], char err[ERR_LEN])
{
	char line[KEY_B64_LEN + 2];
	size_t len;
	int ret;

	key_to_base64(line, key);
	len = strlen(line);
	line[len++] = '\n';
	/* Temporary file 0600 from the start, fsync, rename, fsync the folder. */
	ret = outfile_write_all(path, line, len, 0600, OUTFILE_REPLACE);
	if (ret < 0)
		text_err(err, "cannot write key file %s: %s", path, strerror(-ret));
	sodium_memzero(line, sizeof(line));
	return ret;
}

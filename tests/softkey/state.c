/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/log.h"
#include "state.h"

void state_new(struct sk_state *st)
{
	memset(st, 0, sizeof(*st));
	randombytes_buf(st->secret, sizeof(st->secret));
	st->pin_retries = SK_PIN_RETRIES;
}

static int hex_field(const char *path, int lineno, const char *val, uint8_t *out, size_t len)
{
	size_t got = 0;

	if (sodium_hex2bin(out, len, val, strlen(val), NULL, &got, NULL) != 0 || got != len) {
		log_error("%s:%d: expected %zu hex bytes, got '%.16s...'", path, lineno, len, val);
		return -EINVAL;
	}
	return 0;
}

static int num_field(const char *path, int lineno, const char *val, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || *out > max || val[0] == '-') {
		log_error("%s:%d: invalid number '%s'", path, lineno, val);
		return -EINVAL;
	}
	return 0;
}

int state_load(struct sk_state *st, const char *path)
{
	unsigned have = 0;
	char line[256];
	int lineno = 0, r = -EINVAL;
	uint64_t v;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if ((f = fopen(path, "re")) == NULL) {
		r = -errno;
		if (r != -ENOENT)
			log_error("cannot read state file %s: %s", path, strerror(errno));
		return r;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *key = line, *val;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((val = strchr(line, ' ')) == NULL) {
			log_error("%s:%d: expected 'key value', got '%s'", path, lineno, line);
			goto fail;
		}
		*val++ = '\0';
		if (strcmp(key, "secret") == 0) {
			if (hex_field(path, lineno, val, st->secret, sizeof(st->secret)) < 0)
				goto fail;
			have |= 1;
		} else if (strcmp(key, "counter") == 0) {
			if (num_field(path, lineno, val, UINT32_MAX, &v) < 0)
				goto fail;
			st->counter = (uint32_t)v;
			have |= 2;
		} else if (strcmp(key, "pin-retries") == 0) {
			if (num_field(path, lineno, val, SK_PIN_RETRIES, &v) < 0)
				goto fail;
			st->pin_retries = (uint8_t)v;
			have |= 4;
		} else if (strcmp(key, "pin-hash") == 0) {
			if (strcmp(val, "none") != 0) {
				if (hex_field(path, lineno, val, st->pin_hash,
					      sizeof(st->pin_hash)) < 0)
					goto fail;
				st->pin_set = true;
			}
			have |= 8;
		} else {
			log_error("%s:%d: unknown key '%s'", path, lineno, key);
			goto fail;
		}
	}
	if (have != 15) {
		log_error(
			"%s: incomplete state file (needs secret, counter, pin-retries, pin-hash)",
			path);
		goto fail;
	}
	r = 0;
fail:
	sodium_memzero(line, sizeof(line));
	fclose(f);
	if (r < 0)
		sodium_memzero(st, sizeof(*st));
	return r;
}

int state_save(const struct sk_state *st, const char *path)
{
	char tmp[4096], dir[4096];
	char secret[2 * SK_SECRET_LEN + 1], pin[2 * SK_PIN_HASH_LEN + 1];
	FILE *f = NULL;
	int fd = -1, dfd = -1, r = -EINVAL;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		log_error("state file path too long: %s", path);
		return -ENAMETOOLONG;
	}
	sodium_bin2hex(secret, sizeof(secret), st->secret, sizeof(st->secret));
	if (st->pin_set)
		sodium_bin2hex(pin, sizeof(pin), st->pin_hash, sizeof(st->pin_hash));
	else
		snprintf(pin, sizeof(pin), "none");
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0 || (f = fdopen(fd, "w")) == NULL) {
		r = -errno;
		log_error("cannot write state file %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	fprintf(f,
		"# keygate softkey state (tests only): holds the device secret\n"
		"secret %s\ncounter %" PRIu32 "\npin-retries %u\npin-hash %s\n",
		secret, st->counter, st->pin_retries, pin);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		r = -errno;
		log_error("cannot write state file %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = -errno;
		log_error("cannot write state file %s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		r = -errno;
		log_error("cannot replace state file %s: %s", path, strerror(errno));
		goto fail;
	}
	tmp[0] = '\0';
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
		fsync(dfd);
	r = 0;
fail:
	sodium_memzero(secret, sizeof(secret));
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp[0] != '\0' && r < 0)
		unlink(tmp);
	return r;
}

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "base/log.h"
#include "base/outfile.h"
#include "proto/proto.h"
#include "state/actkey.h"

#define FILE_MAX 4096

int actkey_path(char *buf, size_t cap, const char *state_dir)
{
	int n = snprintf(buf, cap, "%s/%s", state_dir, ACTKEY_FILE);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int bad(char err[ERR_LEN], const char *path, int line, const char *what)
{
	text_err(err, "%s:%d: %s", path, line, what);
	return -EINVAL;
}

/* One line's words into k; 0 or -EINVAL with err. */
static int parse_line(struct actkey *k, char *line, const char *path, int no, unsigned *seen,
		      char err[ERR_LEN])
{
	char *w[4], *end;
	unsigned bit;
	int n;

	line += strspn(line, " \t");
	if (line[0] == '#' || line[0] == '\0')
		return 0;
	n = text_split(line, w, 4);
	if (n < 0)
		return bad(err, path, no, "too many words");
	if (strcmp(w[0], "current") == 0 && n == 2) {
		bit = 1;
		if (key_from_base64(k->sk, w[1]) < 0 || key_public(k->pk, k->sk) < 0)
			return bad(err, path, no, "the current key is not a key");
	} else if (strcmp(w[0], "previous") == 0 && n == 3) {
		bit = 2;
		if (key_from_base64(k->prev_sk, w[1]) < 0 || key_public(k->prev_pk, k->prev_sk) < 0)
			return bad(err, path, no, "the previous key is not a key");
		errno = 0;
		k->prev_until = strtoll(w[2], &end, 10);
		if (errno != 0 || *end != '\0' || k->prev_until <= 0)
			return bad(err, path, no, "expected the end of the grace in unix seconds");
		k->has_prev = true;
	} else if (strcmp(w[0], "retired") == 0 && n == 2) {
		bit = 4;
		if (key_from_base64(k->retired_pk, w[1]) < 0)
			return bad(err, path, no, "the retired key is not a key");
		k->has_retired = true;
	} else {
		return bad(err, path, no,
			   "expected 'current KEY', 'previous KEY UNTIL' or 'retired KEY'");
	}
	if (*seen & bit)
		return bad(err, path, no, "given twice");
	*seen |= bit;
	return 0;
}

int actkey_load(struct actkey *k, const char *path, char err[ERR_LEN])
{
	char *text = NULL, *line, *next;
	unsigned seen = 0;
	struct stat st;
	size_t len = 0;
	int ret, no = 0;

	memset(k, 0, sizeof(*k));
	ret = atomicfile_read(path, &text, &len, FILE_MAX);
	if (ret < 0) {
		text_err(err, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("%s is readable by others (mode %04o); it should be 0600", path,
			 (unsigned)(st.st_mode & 07777));
	for (line = text; line != NULL && ret == 0; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		ret = parse_line(k, line, path, ++no, &seen, err);
	}
	if (ret == 0 && (seen & 1) == 0)
		ret = bad(err, path, no, "no current key");
	sodium_memzero(text, len);
	free(text);
	if (ret < 0)
		actkey_wipe(k);
	return ret;
}

int actkey_save(const struct actkey *k, const char *path, bool replace, char err[ERR_LEN])
{
	char buf[512];
	key_b64_t a, b;
	int n, ret;

	key_to_base64(a, k->sk);
	n = snprintf(buf, sizeof(buf),
		     "# keygate's activation key (docs/protocol.md 3). Written by vpnd; keep it "
		     "private.\ncurrent %s\n",
		     a);
	if (k->has_prev) {
		key_to_base64(b, k->prev_sk);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "previous %s %" PRId64 "\n", b,
			      k->prev_until);
	}
	if (k->has_retired) {
		key_to_base64(b, k->retired_pk);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "retired %s\n", b);
	}
	ret = outfile_write_all(path, buf, (size_t)n, 0600, replace ? OUTFILE_REPLACE : 0);
	if (ret < 0)
		text_err(err, "cannot write %s: %s", path, strerror(-ret));
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return ret;
}

static void fresh(struct actkey *k)
{
	do
		key_generate_private(k->sk);
	while (key_public(k->pk, k->sk) < 0);
}

void actkey_generate(struct actkey *k)
{
	memset(k, 0, sizeof(*k));
	fresh(k);
}

static void retire(struct actkey *k)
{
	memcpy(k->retired_pk, k->prev_pk, KEY_LEN);
	k->has_retired = true;
	sodium_memzero(k->prev_sk, sizeof(k->prev_sk));
	sodium_memzero(k->prev_pk, sizeof(k->prev_pk));
	k->prev_until = 0;
	k->has_prev = false;
}

void actkey_rotate(struct actkey *k, int64_t now, uint64_t grace)
{
	if (k->has_prev)
		retire(k);
	memcpy(k->prev_sk, k->sk, KEY_LEN);
	memcpy(k->prev_pk, k->pk, KEY_LEN);
	k->prev_until = now + (int64_t)grace;
	k->has_prev = true;
	fresh(k);
}

void actkey_migrate(struct actkey *k, const uint8_t wg_sk[KEY_LEN], int64_t now, uint64_t grace)
{
	memset(k, 0, sizeof(*k));
	proto_v1_activation_key(k->sk, wg_sk);
	if (key_public(k->pk, k->sk) < 0)
		k->pk[0] ^= 1; /* cannot happen for a clamped key; never a valid one then */
	actkey_rotate(k, now, grace);
}

bool actkey_expire(struct actkey *k, int64_t now)
{
	if (!k->has_prev || now < k->prev_until)
		return false;
	retire(k);
	return true;
}

const uint8_t *actkey_public(const struct actkey *k, unsigned idx, int64_t now)
{
	if (idx == 0)
		return k->pk;
	if (idx == 1 && k->has_prev && now < k->prev_until)
		return k->prev_pk;
	return NULL;
}

void actkey_wipe(struct actkey *k)
{
	sodium_memzero(k, sizeof(*k));
}

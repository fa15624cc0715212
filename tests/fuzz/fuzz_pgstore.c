/* SPDX-License-Identifier: ISC */
/*
 * The shared store's rows and notifications (store/pgstore_parse.c) on
 * untrusted bytes. The input is text fields separated by newlines: the
 * first three are a lockout row (owner, key ID, deadline), five a session
 * row (peer, deadline, idle, by, preshared key); the first line is also read as a
 * change-log notification. Whatever they are, a row taken names an owner
 * or peer the registry could hold, with numbers in range, and a
 * refusal's message is one line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/duration.h"
#include "store/pgstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(const char err[ERR_LEN])
{
	if (memchr(err, '\0', ERR_LEN) == NULL || strchr(err, '\n') != NULL || err[0] == '\0')
		abort();
}

static bool key_id_ok(const char *id)
{
	size_t n = strlen(id);

	return n >= 8 && n <= 32 && strspn(id, "0123456789abcdef") == n;
}

static void lockout(char *const f[3])
{
	struct pgstore_lockout lk;
	char err[ERR_LEN] = "";

	if (pgstore_lockout_parse(&lk, f[0], f[1], f[2], err) < 0) {
		check_err(err);
		return;
	}
	if (!text_valid_name(lk.owner) || strcmp(lk.owner, f[0]) != 0 || !key_id_ok(lk.id) ||
	    lk.until_wall < 0 || lk.until_wall > (INT64_C(1) << 62))
		abort();
}

static void session(char *const f[5])
{
	struct pgstore_session ps;
	char err[ERR_LEN] = "";
	size_t n;

	if (pgstore_session_parse(&ps, f[0], f[1], f[2], f[3], f[4], err) < 0) {
		check_err(err);
		return;
	}
	n = strlen(ps.psk);
	if (!text_valid_name(ps.peer) || strcmp(ps.peer, f[0]) != 0 || ps.until_wall < 0 ||
	    ps.until_wall > (INT64_C(1) << 62) || ps.idle < 0 || (uint64_t)ps.idle > DURATION_MAX ||
	    strlen(ps.by) > PGSTORE_BY_MAX || strcmp(ps.by, f[3]) != 0 || (n != 0 && n != 44) ||
	    strcmp(ps.psk, f[4]) != 0 || ps.bad)
		abort();
}

static void notify(const char *payload)
{
	struct pgstore_lockout lk;
	char err[ERR_LEN] = "";
	unsigned kinds = 0;

	if (pgstore_notify_parse(payload, "gw1/wg0", &kinds, &lk, err) < 0) {
		check_err(err);
		if (kinds & PGSTORE_CHANGED_UNLOCKS)
			abort();
		return;
	}
	if ((kinds & PGSTORE_CHANGED_UNLOCKS) &&
	    (!text_valid_name(lk.owner) || !key_id_ok(lk.id) || lk.until_wall != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *f[5] = {NULL, NULL, NULL, NULL, NULL};
	size_t k = 1;

	if (buf == NULL)
		return 0;
	/* As libpq hands them over: text without NULs. */
	memcpy(buf, data, size);
	buf[size] = '\0';
	f[0] = buf;
	for (char *p = buf; k < 5 && (p = strchr(p, '\n')) != NULL; p++) {
		*p = '\0';
		f[k++] = p + 1;
	}
	notify(f[0]);
	if (k >= 3)
		lockout(f);
	if (k == 5)
		session(f);
	free(buf);
	return 0;
}

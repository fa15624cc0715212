/* SPDX-License-Identifier: ISC */
/*
 * The store's rows that a gateway acts on, parsed strictly (pgstore.h):
 * whatever wrote the database (another vpnd, an admin's psql, a bug) must
 * not lock a credential by a name the registry could not hold, nor put a
 * deadline that does not fit in the monitor's clocks. Without libpq too,
 * for its fuzz target.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store/pgstore.h"

_Static_assert(PGSTORE_OWNER_MAX >= NAME_MAX_LEN, "an owner's name fits");

static bool key_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 8 || n > PGSTORE_KEY_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Decimal digits only, no sign, at most 2^62 (far past any wall clock,
 * and far from overflowing when the boot clock's seconds are added). */
static int deadline(const char *s, int64_t *out)
{
	uint64_t v = 0;

	if (s[0] == '\0' || strlen(s) > 19)
		return -EINVAL;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > (UINT64_C(1) << 62))
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

int pgstore_lockout_parse(struct pgstore_lockout *lk, const char *owner, const char *id,
			  const char *until)
{
	struct pgstore_lockout r = {0};

	if (!text_valid_name(owner) || !key_id_valid(id) || deadline(until, &r.until_wall) < 0)
		return -EINVAL;
	snprintf(r.owner, sizeof(r.owner), "%s", owner);
	snprintf(r.id, sizeof(r.id), "%s", id);
	*lk = r;
	return 0;
}

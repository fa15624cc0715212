/* SPDX-License-Identifier: ISC */
/*
 * The store's rows that a gateway acts on, parsed strictly (pgstore.h):
 * whatever wrote the database (another vpnd, an admin's psql, a bug) must
 * not lock a credential by a name the registry could not hold, open a
 * session half-read (a deadline cut at its first stray byte, a name cut
 * to its buffer), nor put a deadline that does not fit in the monitor's
 * clocks. Without libpq too, for its fuzz target.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/duration.h"
#include "store/pgstore.h"

_Static_assert(PGSTORE_OWNER_MAX >= NAME_MAX_LEN, "an owner's name fits");
_Static_assert(sizeof(((struct pgstore_session *)0)->peer) > NAME_MAX_LEN, "a peer's name fits");
_Static_assert(sizeof(((struct pgstore_session *)0)->by) > PGSTORE_BY_MAX, "who opened it fits");

/* The longest stretch of a value an error quotes: the log line stays one
 * readable line whatever the row holds. */
#define QUOTE_MAX 40

/* s for a message: printable ASCII but the quote, anything else '?', and
 * cut with "..." past QUOTE_MAX. */
static const char *quote(char out[QUOTE_MAX + 4], const char *s)
{
	size_t i = 0;

	for (; s[i] != '\0' && i < QUOTE_MAX; i++)
		out[i] = s[i] >= ' ' && s[i] <= '~' && s[i] != '\'' ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(&out[i], "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

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

/* Decimal digits only, no sign, no space, at most max (strtoll would take
 * " -1x" as -1). */
static int number(const char *s, uint64_t max, int64_t *out)
{
	uint64_t v = 0;

	if (s[0] == '\0' || strlen(s) > 19)
		return -EINVAL;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

/* At most 2^62: far past any wall clock, and far from overflowing when
 * the boot clock's seconds are added. */
#define DEADLINE_MAX (UINT64_C(1) << 62)

int pgstore_lockout_parse(struct pgstore_lockout *lk, const char *owner, const char *id,
			  const char *until, char err[ERR_LEN])
{
	struct pgstore_lockout r = {0};
	char q[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];

	if (!text_valid_name(owner)) {
		text_err(err, "lockout row of '%s' in the store: not an owner name",
			 quote(q, owner));
		return -EINVAL;
	}
	if (!key_id_valid(id)) {
		text_err(err,
			 "lockout row of '%s' in the store: key ID '%s' is not 8 to 32 lowercase"
			 " hex digits",
			 owner, quote(q, id));
		return -EINVAL;
	}
	if (number(until, DEADLINE_MAX, &r.until_wall) < 0) {
		text_err(err,
			 "lockout row of '%s' key %s in the store: until_wall '%s' is not a whole"
			 " number from 0 to 2^62",
			 owner, id, quote(q2, until));
		return -EINVAL;
	}
	snprintf(r.owner, sizeof(r.owner), "%s", owner);
	snprintf(r.id, sizeof(r.id), "%s", id);
	*lk = r;
	return 0;
}

/* Who opened a session: "admin", "key:ID", "web:OWNER": a name, or two
 * joined by one ':', as the session's own field holds it. */
static bool by_valid(const char *s)
{
	char part[PGSTORE_BY_MAX + 1];
	const char *colon = strchr(s, ':');
	size_t n = strlen(s);

	if (n == 0 || n > PGSTORE_BY_MAX)
		return false;
	if (colon == NULL)
		return text_valid_name(s);
	memcpy(part, s, (size_t)(colon - s));
	part[colon - s] = '\0';
	return text_valid_name(part) && text_valid_name(colon + 1);
}

/* 32 bytes in padded base64, nothing around it (sodium refuses stray
 * bits in the last character and any byte it would have to ignore). */
static bool psk_valid(const char *s)
{
	uint8_t bin[32];
	size_t len = 0;
	bool ok = strlen(s) == 44 &&
		  sodium_base642bin(bin, sizeof(bin), s, 44, NULL, &len, NULL,
				    sodium_base64_VARIANT_ORIGINAL) == 0 &&
		  len == sizeof(bin);

	sodium_memzero(bin, sizeof(bin));
	return ok;
}

int pgstore_session_parse(struct pgstore_session *ps, const char *peer, const char *until,
			  const char *idle, const char *by, const char *psk, char err[ERR_LEN])
{
	struct pgstore_session r = {0};
	char q[QUOTE_MAX + 4];

	if (!text_valid_name(peer)) {
		text_err(err, "session row of '%s' in the store: not a peer name", quote(q, peer));
		return -EINVAL;
	}
	if (number(until, DEADLINE_MAX, &r.until_wall) < 0) {
		text_err(err,
			 "session row of '%s' in the store: until_wall '%s' is not a whole number"
			 " from 0 to 2^62",
			 peer, quote(q, until));
		return -EINVAL;
	}
	if (number(idle, DURATION_MAX, &r.idle) < 0) {
		text_err(err,
			 "session row of '%s' in the store: idle '%s' is not a whole number of"
			 " seconds from 0 to %llu",
			 peer, quote(q, idle), (unsigned long long)DURATION_MAX);
		return -EINVAL;
	}
	if (!by_valid(by)) {
		text_err(err,
			 "session row of '%s' in the store: by '%s' is not who opens a session"
			 " (a name, or two joined by ':', at most %d characters)",
			 peer, quote(q, by), PGSTORE_BY_MAX);
		return -EINVAL;
	}
	if (psk[0] != '\0' && !psk_valid(psk)) {
		/* A secret, even a broken one: its length only. */
		text_err(err,
			 "session row of '%s' in the store: the preshared key (%zu characters) is"
			 " not 32 bytes in base64",
			 peer, strlen(psk));
		return -EINVAL;
	}
	snprintf(r.peer, sizeof(r.peer), "%s", peer);
	snprintf(r.by, sizeof(r.by), "%s", by);
	snprintf(r.psk, sizeof(r.psk), "%s", psk);
	*ps = r;
	sodium_memzero(&r, sizeof(r));
	return 0;
}

int pgstore_notify_parse(const char *payload, const char *gateway, unsigned *kinds,
			 struct pgstore_lockout *unlock, char err[ERR_LEN])
{
	const char *g = strchr(payload, ' '), *k, *name, *sp;
	char owner[PGSTORE_OWNER_MAX + 1], q[QUOTE_MAX + 4];
	size_t gl = strlen(gateway), on;

	*kinds = 0;
	if (g == NULL || (k = strchr(g + 1, ' ')) == NULL) {
		text_err(err, "a change log notification '%s': not SEQ GATEWAY KIND NAME",
			 quote(q, payload));
		return -EINVAL;
	}
	/* Our own changes are applied already. */
	if ((size_t)(k - g - 1) == gl && memcmp(g + 1, gateway, gl) == 0)
		return 0;
	k++;
	if (strncmp(k, "session ", 8) == 0 || strncmp(k, "end ", 4) == 0) {
		*kinds = PGSTORE_CHANGED_SESSIONS;
		return 0;
	}
	if (strncmp(k, "lockout ", 8) == 0) {
		*kinds = PGSTORE_CHANGED_LOCKOUTS;
		return 0;
	}
	if (strncmp(k, "unlock ", 7) != 0) {
		*kinds = PGSTORE_CHANGED_REGISTRY;
		return 0;
	}
	/* The lockouts are read all the same: an unlock that cannot be
	 * applied leaves the key locked here, never unlocks another. */
	*kinds = PGSTORE_CHANGED_LOCKOUTS;
	name = k + 7;
	sp = strchr(name, ' ');
	on = sp != NULL ? (size_t)(sp - name) : 0;
	if (sp != NULL && on < sizeof(owner)) {
		memcpy(owner, name, on);
		owner[on] = '\0';
		if (text_valid_name(owner) && key_id_valid(sp + 1)) {
			*unlock = (struct pgstore_lockout){0};
			memcpy(unlock->owner, owner, on + 1);
			snprintf(unlock->id, sizeof(unlock->id), "%s", sp + 1);
			*kinds |= PGSTORE_CHANGED_UNLOCKS;
			return 0;
		}
	}
	text_err(err, "an unlock in the store's change log names '%s': not an owner and a key ID",
		 quote(q, name));
	return -EINVAL;
}

/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "common/actstats.h"

/* Where counter i lives: one row per field, the replies as one run. */
static size_t offset_of(size_t i)
{
	static const size_t scalars[] = {
		offsetof(struct actstats, received),
		offsetof(struct actstats, drop_malformed),
		offsetof(struct actstats, drop_mac0),
		offsetof(struct actstats, drop_mac1),
		offsetof(struct actstats, drop_rate),
		offsetof(struct actstats, drop_global),
		offsetof(struct actstats, drop_challenge),
		offsetof(struct actstats, drop_replay),
		offsetof(struct actstats, drop_decrypt),
		offsetof(struct actstats, drop_busy),
		offsetof(struct actstats, hellos),
		offsetof(struct actstats, other_version),
		offsetof(struct actstats, retired_key),
		offsetof(struct actstats, retransmits),
		offsetof(struct actstats, requests),
	};
	const size_t n = sizeof(scalars) / sizeof(scalars[0]);

	_Static_assert(sizeof(scalars) / sizeof(scalars[0]) + PROTO_ERR_WIRE_MAX + 2 == ACTSTATS_N,
		       "ACTSTATS_N counts every counter");
	_Static_assert(sizeof(struct actstats) == ACTSTATS_N * sizeof(uint64_t),
		       "struct actstats holds counters only");
	if (i < n)
		return scalars[i];
	if (i - n <= PROTO_ERR_WIRE_MAX)
		return offsetof(struct actstats, replies) + (i - n) * sizeof(uint64_t);
	return offsetof(struct actstats, drop_socket);
}

uint64_t actstats_get(const struct actstats *s, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)s + offset_of(i), sizeof(v));
	return v;
}

void actstats_set(struct actstats *s, size_t i, uint64_t v)
{
	memcpy((char *)s + offset_of(i), &v, sizeof(v));
}

void actstats_add(struct actstats *sum, const struct actstats *a)
{
	for (size_t i = 0; i < ACTSTATS_N; i++)
		actstats_set(sum, i, actstats_get(sum, i) + actstats_get(a, i));
}

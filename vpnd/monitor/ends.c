/* SPDX-License-Identifier: ISC */
/* Session ends for STATUS (ends.h); below gate.c and ops.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/metricsmsg.h"
#include "monitor/ends.h"
#include "proto/proto.h"

#define END_SLOTS 1024

struct ends {
	struct end_note slots[END_SLOTS];
	uint64_t totals[METRICS_ENDS]; /* every end since start, by reason */
};

static size_t slot_of(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (size_t)(h % END_SLOTS);
}

int ends_create(struct ends **out)
{
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? 0 : -ENOMEM;
}

void ends_destroy(struct ends **e)
{
	free(*e);
	*e = NULL;
}

void ends_note(struct ends *e, const char *peer, const char *reason, uint64_t idle_seconds,
	       int64_t until_wall)
{
	struct end_note *n = &e->slots[slot_of(peer)];
	uint8_t r = PROTO_END_REVOKED;

	if (strcmp(reason, "expired") == 0)
		r = PROTO_END_WINDOW;
	else if (strcmp(reason, "idle") == 0)
		r = PROTO_END_IDLE;
	else if (strcmp(reason, "killed") == 0 || strcmp(reason, "error") == 0)
		r = PROTO_END_KILLED;
	else if (strcmp(reason, "down") == 0)
		r = PROTO_END_DOWN;
	e->totals[metricsmsg_end_of(reason)]++;
	snprintf(n->peer, sizeof(n->peer), "%s", peer);
	n->reason = r;
	n->idle = idle_seconds;
	/* Only the ends this gateway alone decides: the others (a kill, a
	 * disable...) leave the shared store too, and a new window may
	 * follow them within a second. */
	n->until_wall =
		strcmp(reason, "idle") == 0 || strcmp(reason, "error") == 0 ? until_wall : 0;
}

const struct end_note *ends_find(const struct ends *e, const char *peer)
{
	const struct end_note *n = &e->slots[slot_of(peer)];

	return strcmp(n->peer, peer) == 0 ? n : NULL;
}

uint64_t ends_total(const struct ends *e, unsigned reason)
{
	return reason < METRICS_ENDS ? e->totals[reason] : 0;
}

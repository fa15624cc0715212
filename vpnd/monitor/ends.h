/* SPDX-License-Identifier: ISC */
/*
 * How the last session of each peer ended, so that `enroll status` (the
 * STATUS operation, ops.c) can say why: every session end passes here
 * (gate.c). A table of fixed size, one slot per peer name by hash; a peer
 * whose slot another took over is reported as having no known end.
 */
#ifndef VPND_ENDS_H
#define VPND_ENDS_H

#include <stdint.h>

#include "base/text.h"

struct end_note {
	char peer[NAME_MAX_LEN + 1];
	uint8_t reason; /* enum proto_end_reason */
	uint64_t idle;  /* seconds */
	/* When the session would have ended, for an end this gateway alone
	 * decided (idle, an extension that failed here), else 0: with a
	 * shared store, a row of that window is one ended here, not new. */
	int64_t until_wall;
};

struct ends;

int ends_create(struct ends **out);
void ends_destroy(struct ends **e);
/* reason: vpnd's audit word ("expired", "idle", "killed", ...);
 * until_wall: the window's end the session had. */
void ends_note(struct ends *e, const char *peer, const char *reason, uint64_t idle_seconds,
	       int64_t until_wall);
/* The last end noted for peer, NULL if none is remembered. */
const struct end_note *ends_find(const struct ends *e, const char *peer);
/* Sessions ended since start for a reason (enum metrics_end), for the
 * metrics. */
uint64_t ends_total(const struct ends *e, unsigned reason);

#endif

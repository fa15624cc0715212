/* SPDX-License-Identifier: ISC */
/*
 * Lockout of a credential after repeated failed assertions: LOCKOUT_FAILS
 * failures within LOCKOUT_WINDOW seconds lock it for LOCKOUT_TIME seconds.
 * In the monitor, in a table of fixed size (one slot per credential, by a
 * keyed hash), so what an attacker sends never grows it; a credential is
 * only tracked once the registry knows it. Kept in memory: a restart
 * clears it, as does `vpnd key unlock`.
 */
#ifndef VPND_LOCKOUT_H
#define VPND_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#define LOCKOUT_FAILS  5
#define LOCKOUT_WINDOW 600
#define LOCKOUT_TIME   900
#define LOCKOUT_SLOTS  1024

struct lockout;

/* An empty table with a fresh hash key; 0 or -ENOMEM. */
int lockout_create(struct lockout **out);
void lockout_destroy(struct lockout **l);
/* Seconds the credential stays locked from now (CLOCK_BOOTTIME seconds);
 * 0 when it is not locked. */
uint64_t lockout_left(struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* Counts a failure; true when this one locks the credential. */
bool lockout_fail(struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* A good assertion forgets the failures; so does an admin's unlock.
 * True when the credential was locked. */
bool lockout_clear(struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* Credentials locked now; for `vpnd status`. */
unsigned lockout_count(const struct lockout *l, uint64_t now);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * Lockout of a credential after repeated failed assertions: LOCKOUT_FAILS
 * failures within LOCKOUT_WINDOW seconds lock it for LOCKOUT_TIME seconds.
 * In the monitor, in a table of fixed size, so what an attacker sends
 * never grows it; a credential is only tracked once the registry knows
 * it. Kept in memory: a restart clears it, as does `vpnd key unlock`.
 *
 * The table is set-associative: a keyed hash picks a set of LOCKOUT_WAYS
 * entries, and a credential takes an entry of its set that holds nothing
 * live (no lock, no failure within the window). Live entries are never
 * taken over, so nobody can wipe a lock or a count by failing with other
 * credentials. When every entry of a set is live, the failures of the
 * set's other credentials are counted together in the set's shared entry,
 * and a lock there locks all of them: every failure counts, at the price
 * of locking a few bystanders while someone holds a whole set.
 *
 * With a shared store (docs/store.md) every gateway holds the same locks:
 * each lock taken here and each unlock is noted (lockout_notes), the
 * caller writes them to the store, and the locks of the other gateways
 * are applied here with their deadlines (lockout_apply).
 */
#ifndef VPND_LOCKOUT_H
#define VPND_LOCKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/registry.h"

#define LOCKOUT_FAILS  5
#define LOCKOUT_WINDOW 600
#define LOCKOUT_TIME   900
#define LOCKOUT_SLOTS  1024
#define LOCKOUT_WAYS   8
#define LOCKOUT_SETS   (LOCKOUT_SLOTS / LOCKOUT_WAYS)
#define LOCKOUT_KEYLEN 16
/* How far another gateway's wall clock may be ahead of this one's. */
#define LOCKOUT_SKEW 30

struct lockout;

/* An empty table with a fresh hash key; 0 or -ENOMEM. */
int lockout_create(struct lockout **out);
/* The same with a hash key of the caller's, so a test can make
 * credentials meet in one set. */
int lockout_create_keyed(struct lockout **out, const uint8_t key[LOCKOUT_KEYLEN]);
void lockout_destroy(struct lockout **l);
/* The set a credential falls in, 0 to LOCKOUT_SETS - 1. */
size_t lockout_set(const struct lockout *l, const char *owner, const char *cred);
/* Seconds the credential stays locked from now (CLOCK_BOOTTIME seconds);
 * 0 when it is not locked. */
uint64_t lockout_left(const struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* Counts a failure; true when this one locks the credential. */
bool lockout_fail(struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* A good assertion forgets the credential's own failures (never those of
 * its set's shared entry, which are not only its own). */
void lockout_succeeded(struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* The admin's unlock: the credential's own entry, or, for a credential
 * locked by its set's shared entry, that entry. True when it was locked. */
bool lockout_clear(struct lockout *l, const char *owner, const char *cred, uint64_t now);
/* Locks in force now (a shared entry counts once); for `vpnd status`. */
unsigned lockout_count(const struct lockout *l, uint64_t now);
/* Locks begun since start (lockout_fail returned true), for the metrics. */
uint64_t lockout_locks(const struct lockout *l);

/* A lock begun (until: its end, CLOCK_BOOTTIME seconds) or ended by the
 * admin (until 0) here, for the other gateways. */
#define LOCKOUT_NOTES 64
struct lockout_note {
	char owner[NAME_MAX_LEN + 1];
	char cred[REG_CRED_ID_LEN + 1];
	uint64_t until;
};
/* The notes not yet taken, oldest first, at most max; they stay until
 * lockout_notes_done says how many of them were handed on. When more
 * than LOCKOUT_NOTES wait, the oldest go (counted in *lost). */
size_t lockout_notes(const struct lockout *l, struct lockout_note *out, size_t max);
void lockout_notes_done(struct lockout *l, size_t n);
uint64_t lockout_notes_lost(const struct lockout *l);
/* Another gateway's lock of the credential until that instant
 * (CLOCK_BOOTTIME seconds; a lock here that ends later stays as it is),
 * or with until <= now the admin's unlock there: applied here as this
 * gateway's own lock or lockout_clear would be, without a note. */
void lockout_apply(struct lockout *l, const char *owner, const char *cred, uint64_t until,
		   uint64_t now);
/* A store row's deadline (wall-clock seconds) as a deadline here
 * (CLOCK_BOOTTIME seconds): 0 when it is past. No lock lasts longer than
 * LOCKOUT_TIME, so a row further out (a gateway with a wrong clock, a row
 * edited by hand) is cut to LOCKOUT_TIME + LOCKOUT_SKEW from now, and
 * *clamped says so. */
uint64_t lockout_deadline(int64_t until_wall, int64_t now_wall, uint64_t now, bool *clamped);

#endif

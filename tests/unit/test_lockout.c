/* SPDX-License-Identifier: ISC */
/*
 * The credential lockout (vpnd/monitor/lockout.c): every failure counts,
 * whoever else fails at the same time, in a table of fixed size that never
 * gives up a live lock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "monitor/lockout.h"

#define T0 1000 /* boot seconds */

static void fail_times(struct lockout *l, const char *owner, const char *cred, int n, uint64_t now)
{
	for (int i = 0; i < n; i++)
		lockout_fail(l, owner, cred, now);
}

/* More credentials fail at once than the table has entries: each still
 * gets locked by its own five failures. (Before, a credential whose slot
 * another credential's failures held was not counted at all.) */
static void every_failure_counts(void **state)
{
	enum { N = LOCKOUT_SLOTS + LOCKOUT_SLOTS / 4 };
	struct lockout *l;
	char cred[16];
	unsigned locked = 0;

	assert_int_equal(lockout_create(&l), 0);
	for (int round = 0; round < LOCKOUT_FAILS; round++) {
		for (int i = 0; i < N; i++) {
			snprintf(cred, sizeof(cred), "c%d", i);
			lockout_fail(l, "mallory", cred, T0 + (uint64_t)round);
		}
	}
	for (int i = 0; i < N; i++) {
		snprintf(cred, sizeof(cred), "c%d", i);
		locked += lockout_left(l, "mallory", cred, T0 + LOCKOUT_FAILS) > 0;
	}
	assert_int_equal(locked, N);
	lockout_destroy(&l);
}

/* n credential names that fall in one set under the key. */
static void same_set(const struct lockout *l, char names[][16], int n)
{
	size_t want = lockout_set(l, "alice", "seed");
	int found = 0;

	for (unsigned i = 0; found < n; i++) {
		snprintf(names[found], 16, "k%u", i);
		if (lockout_set(l, "alice", names[found]) == want)
			found++;
	}
}

/* Colliding credentials: one set's ways full of live counts, and then the
 * failures of another credential of that set. */
static void colliding_credentials(void **state)
{
	uint8_t key[LOCKOUT_KEYLEN] = "keygate-test-key";
	char k[LOCKOUT_WAYS + 3][16];
	struct lockout *l;

	assert_int_equal(lockout_create_keyed(&l, key), 0);
	same_set(l, k, LOCKOUT_WAYS + 3);
	/* Every way: a credential with a failure, live for ten minutes. */
	for (int i = 0; i < LOCKOUT_WAYS; i++)
		fail_times(l, "alice", k[i], 1, T0);
	/* The ninth credential's failures count all the same. */
	fail_times(l, "alice", k[LOCKOUT_WAYS], LOCKOUT_FAILS - 1, T0 + 1);
	assert_int_equal(lockout_left(l, "alice", k[LOCKOUT_WAYS], T0 + 1), 0);
	assert_true(lockout_fail(l, "alice", k[LOCKOUT_WAYS], T0 + 2));
	assert_int_equal(lockout_left(l, "alice", k[LOCKOUT_WAYS], T0 + 2), LOCKOUT_TIME);
	/* Locked together with it: a credential of the set that has no way of
	 * its own (the price of bounded memory), not those that have one. */
	assert_true(lockout_left(l, "alice", k[LOCKOUT_WAYS + 1], T0 + 2) > 0);
	assert_int_equal(lockout_left(l, "alice", k[0], T0 + 2), 0);
	assert_int_equal(lockout_count(l, T0 + 2), 1);
	/* The counts in the ways were not given up: four more lock k[0]. */
	fail_times(l, "alice", k[0], LOCKOUT_FAILS - 2, T0 + 3);
	assert_int_equal(lockout_left(l, "alice", k[0], T0 + 3), 0);
	assert_true(lockout_fail(l, "alice", k[0], T0 + 3));
	assert_int_equal(lockout_count(l, T0 + 3), 2);
	/* A good assertion of a credential without a way does not clear the
	 * shared lock; the admin's unlock does. */
	lockout_succeeded(l, "alice", k[LOCKOUT_WAYS + 1], T0 + 4);
	assert_true(lockout_left(l, "alice", k[LOCKOUT_WAYS], T0 + 4) > 0);
	assert_true(lockout_clear(l, "alice", k[LOCKOUT_WAYS], T0 + 4));
	assert_int_equal(lockout_left(l, "alice", k[LOCKOUT_WAYS + 1], T0 + 4), 0);
	assert_false(lockout_clear(l, "alice", k[LOCKOUT_WAYS + 2], T0 + 4));
	lockout_destroy(&l);
}

/* A live lock is never given up to make room, however many others fail;
 * it ends at its time, and a stale entry is taken again. */
static void locks_stay(void **state)
{
	uint8_t key[LOCKOUT_KEYLEN] = "another-test-key";
	char k[3 * LOCKOUT_WAYS][16];
	struct lockout *l;

	assert_int_equal(lockout_create_keyed(&l, key), 0);
	same_set(l, k, 3 * LOCKOUT_WAYS);
	fail_times(l, "alice", k[0], LOCKOUT_FAILS, T0);
	assert_int_equal(lockout_left(l, "alice", k[0], T0), LOCKOUT_TIME);
	for (uint64_t t = T0; t < T0 + LOCKOUT_TIME; t += 60)
		for (int i = 1; i < 3 * LOCKOUT_WAYS; i++)
			fail_times(l, "alice", k[i], 1, t);
	assert_int_equal(lockout_left(l, "alice", k[0], T0 + LOCKOUT_TIME - 1), 1);
	assert_int_equal(lockout_left(l, "alice", k[0], T0 + LOCKOUT_TIME), 0);
	/* Long after: every entry is stale, and a new credential counts
	 * alone, from one. */
	fail_times(l, "alice", k[1], LOCKOUT_FAILS - 1, T0 + 10 * LOCKOUT_TIME);
	assert_int_equal(lockout_left(l, "alice", k[1], T0 + 10 * LOCKOUT_TIME), 0);
	assert_int_equal(lockout_count(l, T0 + 10 * LOCKOUT_TIME), 0);
	lockout_destroy(&l);
}

/* A shared store's side: each lock and unlock noted once, in order, and
 * kept until handed on; another gateway's lock applied here holds to its
 * deadline and ends there, and its unlock ends it here. */
static void shared_locks(void **state)
{
	struct lockout *l;
	struct lockout_note n[LOCKOUT_NOTES];

	(void)state;
	assert_int_equal(lockout_create(&l), 0);
	fail_times(l, "alice", "0123456789abcdef", LOCKOUT_FAILS, T0);
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), 1);
	assert_string_equal(n[0].owner, "alice");
	assert_string_equal(n[0].cred, "0123456789abcdef");
	assert_int_equal(n[0].until, T0 + LOCKOUT_TIME);
	/* Not handed on: still there, and the unlock comes after it. */
	assert_true(lockout_clear(l, "alice", "0123456789abcdef", T0 + 1));
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), 2);
	assert_int_equal(n[1].until, 0);
	lockout_notes_done(l, 1);
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), 1);
	assert_int_equal(n[0].until, 0);
	lockout_notes_done(l, 5);
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), 0);

	/* Another gateway's lock: here until its end, not noted again. */
	lockout_apply(l, "bob", "fedcba9876543210", T0 + 30, T0);
	assert_int_equal(lockout_left(l, "bob", "fedcba9876543210", T0), 30);
	assert_int_equal(lockout_left(l, "bob", "fedcba9876543210", T0 + 29), 1);
	assert_int_equal(lockout_left(l, "bob", "fedcba9876543210", T0 + 30), 0);
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), 0);
	assert_int_equal(lockout_locks(l), 1);
	/* Its unlock there ends it here. */
	lockout_apply(l, "bob", "fedcba9876543210", T0 + 300, T0);
	lockout_apply(l, "bob", "fedcba9876543210", 0, T0 + 1);
	assert_int_equal(lockout_left(l, "bob", "fedcba9876543210", T0 + 1), 0);
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), 0);

	/* More notes than the ring: the oldest go, counted. */
	for (int i = 0; i < LOCKOUT_NOTES + 3; i++) {
		char cred[20];

		snprintf(cred, sizeof(cred), "%016x", i);
		fail_times(l, "carol", cred, LOCKOUT_FAILS, T0 + 2);
	}
	assert_int_equal(lockout_notes(l, n, LOCKOUT_NOTES), LOCKOUT_NOTES);
	assert_string_equal(n[0].cred, "0000000000000003");
	assert_int_equal(lockout_notes_lost(l), 3);
	lockout_destroy(&l);
}

/* A store row's deadline: past is 0 (not an unlock of anything), a
 * normal one kept to the second, one past any lock's length (a wrong
 * clock, an edited row, up to what the parser takes) cut and told. */
static void store_deadlines(void **state)
{
	const int64_t W = 1764790000; /* wall seconds now */
	bool far;

	(void)state;
	assert_int_equal(lockout_deadline(W - 5, W, T0, &far), 0);
	assert_false(far);
	assert_int_equal(lockout_deadline(0, W, T0, &far), 0);
	assert_int_equal(lockout_deadline(W, W, T0, &far), 0);
	assert_int_equal(lockout_deadline(W + LOCKOUT_TIME, W, T0, &far), T0 + LOCKOUT_TIME);
	assert_false(far);
	assert_int_equal(lockout_deadline(W + LOCKOUT_TIME + LOCKOUT_SKEW, W, T0, &far),
			 T0 + LOCKOUT_TIME + LOCKOUT_SKEW);
	assert_false(far);
	assert_int_equal(lockout_deadline(W + LOCKOUT_TIME + LOCKOUT_SKEW + 1, W, T0, &far),
			 T0 + LOCKOUT_TIME + LOCKOUT_SKEW);
	assert_true(far);
	assert_int_equal(lockout_deadline(INT64_C(1) << 62, W, T0, &far),
			 T0 + LOCKOUT_TIME + LOCKOUT_SKEW);
	assert_true(far);
}

/* Another gateway's lock never shortens one of this gateway's own, and
 * the admin's unlock there ends a lock here even when it sits in a full
 * set's shared entry (as `vpnd key unlock` here would). */
static void applied_locks(void **state)
{
	uint8_t key[LOCKOUT_KEYLEN] = "keygate-test-key";
	char k[LOCKOUT_WAYS + 1][16];
	struct lockout *l;

	(void)state;
	assert_int_equal(lockout_create_keyed(&l, key), 0);
	same_set(l, k, LOCKOUT_WAYS + 1);
	fail_times(l, "alice", k[0], LOCKOUT_FAILS, T0);
	lockout_apply(l, "alice", k[0], T0 + 10, T0 + 1);
	assert_int_equal(lockout_left(l, "alice", k[0], T0 + 1), LOCKOUT_TIME - 1);
	lockout_apply(l, "alice", k[0], T0 + LOCKOUT_TIME + 60, T0 + 1);
	assert_int_equal(lockout_left(l, "alice", k[0], T0 + 1), LOCKOUT_TIME + 59);

	/* Every way live; a lock from the store lands in the shared entry. */
	for (int i = 1; i < LOCKOUT_WAYS; i++)
		fail_times(l, "alice", k[i], 1, T0 + 2);
	lockout_apply(l, "alice", k[LOCKOUT_WAYS], T0 + 300, T0 + 2);
	assert_int_equal(lockout_left(l, "alice", k[LOCKOUT_WAYS], T0 + 2), 298);
	lockout_apply(l, "alice", k[LOCKOUT_WAYS], 0, T0 + 3);
	assert_int_equal(lockout_left(l, "alice", k[LOCKOUT_WAYS], T0 + 3), 0);
	/* Its own entry's lock is untouched by that. */
	assert_true(lockout_left(l, "alice", k[0], T0 + 3) > 0);
	assert_int_equal(lockout_notes(l, (struct lockout_note[LOCKOUT_NOTES]){0}, LOCKOUT_NOTES),
			 1);
	lockout_destroy(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_failure_counts), cmocka_unit_test(colliding_credentials),
		cmocka_unit_test(locks_stay),           cmocka_unit_test(shared_locks),
		cmocka_unit_test(store_deadlines),      cmocka_unit_test(applied_locks),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

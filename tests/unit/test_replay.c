/* SPDX-License-Identifier: ISC */
/* The replay cache and the per-source rate limits. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/key.h"
#include "netchild/ratelimit.h"
#include "common/replay.h"

static void test_replay_single_use(void **state)
{
	struct replay_cache *rc = NULL;
	uint8_t k[REPLAY_KEY_LEN];

	assert_int_equal(replay_create(&rc, 100), -EINVAL);
	assert_int_equal(replay_create(&rc, 1024), 0);
	randombytes_buf(k, sizeof(k));
	assert_int_equal(replay_insert(rc, k, 220, 100), 0);
	assert_int_equal(replay_insert(rc, k, 230, 110), -EEXIST);
	assert_int_equal(replay_insert(rc, k, 330, 219), -EEXIST);
	assert_int_equal(replay_count(rc, 219), 1);
	/* Expired: the challenge check refuses it by then, the slot is free. */
	assert_int_equal(replay_insert(rc, k, 340, 220), 0);
	replay_destroy(&rc);
	assert_null(rc);
	replay_destroy(&rc);
}

/* However many keys arrive, memory stays as it is and live keys are kept. */
static void test_replay_full(void **state)
{
	struct replay_cache *rc = NULL;
	uint8_t k[REPLAY_KEY_LEN], first[REPLAY_KEY_LEN];
	int inserted = 0, full = 0;

	assert_int_equal(replay_create(&rc, 64), 0);
	randombytes_buf(first, sizeof(first));
	assert_int_equal(replay_insert(rc, first, 1000, 1), 0);
	for (int i = 0; i < 10000; i++) {
		randombytes_buf(k, sizeof(k));
		int r = replay_insert(rc, k, 1000, 2);

		if (r == 0)
			inserted++;
		else if (r == -ENOSPC)
			full++;
		else
			fail();
	}
	assert_int_equal(inserted, 63);
	assert_int_equal(full, 10000 - 63);
	assert_int_equal(replay_insert(rc, first, 1000, 3), -EEXIST);
	/* Once they expire, there is room again. */
	randombytes_buf(k, sizeof(k));
	assert_int_equal(replay_insert(rc, k, 2000, 1000), 0);
	replay_destroy(&rc);
}

static void sa4(struct sockaddr_in *sa, const char *ip)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sa->sin_addr);
}

static void test_ratelimit(void **state)
{
	struct ratelimit *rl = NULL;
	struct sockaddr_in a, b;
	struct sockaddr_in6 c, d;
	int allowed = 0;

	assert_int_equal(ratelimit_create(&rl, 3, 20, 5), -EINVAL);
	assert_int_equal(ratelimit_create(&rl, 4096, 20, 5), 0);
	sa4(&a, "192.0.2.1");
	sa4(&b, "192.0.2.2");
	for (int i = 0; i < 100; i++)
		allowed += ratelimit_allow(rl, (struct sockaddr *)&a, 1000);
	assert_int_equal(allowed, 20);
	/* Another source is not affected (a collision in 4096 buckets is
	 * possible but the chance is small; the keyed hash is random). */
	assert_true(ratelimit_allow(rl, (struct sockaddr *)&b, 1000));
	/* 5 per second come back. */
	assert_false(ratelimit_allow(rl, (struct sockaddr *)&a, 1100));
	assert_true(ratelimit_allow(rl, (struct sockaddr *)&a, 1200));
	assert_false(ratelimit_allow(rl, (struct sockaddr *)&a, 1200));
	/* One notice a second. */
	assert_true(ratelimit_may_notify(rl, (struct sockaddr *)&a, 1200));
	assert_false(ratelimit_may_notify(rl, (struct sockaddr *)&a, 1900));
	assert_true(ratelimit_may_notify(rl, (struct sockaddr *)&a, 2200));
	/* A /64 is one source. */
	memset(&c, 0, sizeof(c));
	c.sin6_family = AF_INET6;
	d = c;
	inet_pton(AF_INET6, "2001:db8:1:2::1", &c.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:2:ffff::9", &d.sin6_addr);
	allowed = 0;
	for (int i = 0; i < 15; i++)
		allowed += ratelimit_allow(rl, (struct sockaddr *)&c, 5000);
	for (int i = 0; i < 15; i++)
		allowed += ratelimit_allow(rl, (struct sockaddr *)&d, 5000);
	assert_int_equal(allowed, 20);
	ratelimit_destroy(&rl);
	assert_null(rl);
}

/* A flood's 256 sources, each drained, in 4096 buckets: a new source is
 * turned away with them only when both its places are theirs. With one
 * place each, some 125 of 2,000 would be (one in 16). */
static void test_ratelimit_two_places(void **state)
{
	struct ratelimit *rl = NULL;
	struct sockaddr_in a;
	int shared = 0;

	(void)state;
	assert_int_equal(ratelimit_create(&rl, 4096, 20, 5), 0);
	for (int i = 0; i < 256; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.1.%d.%d", i / 250, i % 250 + 1);
		sa4(&a, ip);
		for (int k = 0; k < 25; k++)
			ratelimit_allow(rl, (struct sockaddr *)&a, 1000);
	}
	for (int i = 0; i < 2000; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.51.%d.%d", i / 250, i % 250 + 1);
		sa4(&a, ip);
		shared += !ratelimit_quiet(rl, (struct sockaddr *)&a, 1000);
	}
	if (shared > 40)
		fail_msg("%d of 2000 new sources share a drained bucket", shared);
	ratelimit_destroy(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_single_use),
		cmocka_unit_test(test_replay_full),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_ratelimit_two_places),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

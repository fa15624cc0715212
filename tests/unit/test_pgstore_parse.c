/* SPDX-License-Identifier: ISC */
/*
 * The store's lockout rows as a gateway reads them (store/pgstore_parse.c):
 * what the registry could hold is taken, anything else locks nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/pgstore.h"

static void good_rows(void **state)
{
	struct pgstore_lockout lk;

	(void)state;
	assert_int_equal(pgstore_lockout_parse(&lk, "alice", "0123456789abcdef", "1764790000"), 0);
	assert_string_equal(lk.owner, "alice");
	assert_string_equal(lk.id, "0123456789abcdef");
	assert_int_equal(lk.until_wall, 1764790000);
	/* An unlock, a legacy key ID of 8 digits, the longest ID. */
	assert_int_equal(pgstore_lockout_parse(&lk, "b.o-b@x+y", "deadbeef", "0"), 0);
	assert_int_equal(lk.until_wall, 0);
	assert_int_equal(pgstore_lockout_parse(&lk, "a", "0123456789abcdef0123456789abcdef",
					       "4611686018427387904"),
			 0);
	assert_int_equal(lk.until_wall, INT64_C(4611686018427387904));
}

static void bad_rows(void **state)
{
	struct pgstore_lockout lk = {.until_wall = 7};
	static const char *const rows[][3] = {
		{"", "0123456789abcdef", "1"},
		{"-alice", "0123456789abcdef", "1"},
		{"al ice", "0123456789abcdef", "1"},
		{"alice/x", "0123456789abcdef", "1"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "0123456789abcdef", "1"},
		{"alice", "0123456", "1"},
		{"alice", "0123456789ABCDEF", "1"},
		{"alice", "0123456789abcdef0123456789abcdef0", "1"},
		{"alice", "0123456789abcdeg", "1"},
		{"alice", "0123456789abcdef", ""},
		{"alice", "0123456789abcdef", "-1"},
		{"alice", "0123456789abcdef", "+1"},
		{"alice", "0123456789abcdef", " 1"},
		{"alice", "0123456789abcdef", "1.5"},
		{"alice", "0123456789abcdef", "4611686018427387905"},
		{"alice", "0123456789abcdef", "99999999999999999999"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(pgstore_lockout_parse(&lk, rows[i][0], rows[i][1], rows[i][2]),
				 -EINVAL);
		/* Untouched on refusal. */
		assert_int_equal(lk.until_wall, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_rows),
		cmocka_unit_test(bad_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * The store's rows and notifications as a gateway reads them
 * (store/pgstore_parse.c): what the registry could hold is taken, anything
 * else locks, opens and unlocks nothing, and the refusal names the row and
 * what is wrong with it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "store/pgstore.h"

/* 32 bytes 0..31 in base64, as a gateway writes a session's key. */
#define PSK "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void good_rows(void **state)
{
	struct pgstore_lockout lk;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(pgstore_lockout_parse(&lk, "alice", "0123456789abcdef", "1764790000", err),
			 0);
	assert_string_equal(lk.owner, "alice");
	assert_string_equal(lk.id, "0123456789abcdef");
	assert_int_equal(lk.until_wall, 1764790000);
	/* An unlock, a legacy key ID of 8 digits, the longest ID. */
	assert_int_equal(pgstore_lockout_parse(&lk, "b.o-b@x+y", "deadbeef", "0", err), 0);
	assert_int_equal(lk.until_wall, 0);
	assert_int_equal(pgstore_lockout_parse(&lk, "a", "0123456789abcdef0123456789abcdef",
					       "4611686018427387904", err),
			 0);
	assert_int_equal(lk.until_wall, INT64_C(4611686018427387904));
}

static void bad_rows(void **state)
{
	struct pgstore_lockout lk = {.until_wall = 7};
	static const struct {
		const char *f[3], *why;
	} rows[] = {
		{{"", "0123456789abcdef", "1"},
		 "lockout row of '' in the store: not an owner name"},
		{{"-alice", "0123456789abcdef", "1"}, "'-alice' in the store: not an owner name"},
		{{"al ice", "0123456789abcdef", "1"}, "'al ice' in the store: not an owner name"},
		{{"alice/x", "0123456789abcdef", "1"}, "not an owner name"},
		{{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "0123456789abcdef", "1"},
		 "not an owner name"},
		{{"alice", "0123456", "1"}, "key ID '0123456' is not 8 to 32 lowercase hex"},
		{{"alice", "0123456789ABCDEF", "1"}, "key ID '0123456789ABCDEF'"},
		{{"alice", "0123456789abcdef0123456789abcdef0", "1"}, "is not 8 to 32"},
		{{"alice", "0123456789abcdeg", "1"}, "key ID '0123456789abcdeg'"},
		{{"alice", "0123456789abcdef", ""}, "until_wall '' is not a whole number"},
		{{"alice", "0123456789abcdef", "-1"}, "until_wall '-1'"},
		{{"alice", "0123456789abcdef", "+1"}, "until_wall '+1'"},
		{{"alice", "0123456789abcdef", " 1"}, "until_wall ' 1'"},
		{{"alice", "0123456789abcdef", "1.5"}, "until_wall '1.5'"},
		{{"alice", "0123456789abcdef", "4611686018427387905"}, "from 0 to 2^62"},
		{{"alice", "0123456789abcdef", "99999999999999999999"}, "until_wall '9999"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char err[ERR_LEN] = "";

		assert_int_equal(
			pgstore_lockout_parse(&lk, rows[i].f[0], rows[i].f[1], rows[i].f[2], err),
			-EINVAL);
		/* Untouched on refusal, and told why. */
		assert_int_equal(lk.until_wall, 7);
		if (strstr(err, rows[i].why) == NULL)
			fail_msg("row %zu: '%s' does not say '%s'", i, err, rows[i].why);
	}
}

static void good_sessions(void **state)
{
	struct pgstore_session ps;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(pgstore_session_parse(&ps, "laptop", "1764790000", "600",
					       "key:0123456789abcdef", PSK, err),
			 0);
	assert_string_equal(ps.peer, "laptop");
	assert_int_equal(ps.until_wall, 1764790000);
	assert_int_equal(ps.idle, 600);
	assert_string_equal(ps.by, "key:0123456789abcdef");
	assert_string_equal(ps.psk, PSK);
	assert_false(ps.bad);
	/* No preshared key, no idle timeout, the admin's; the longest
	 * deadline, idle and web owner. */
	assert_int_equal(pgstore_session_parse(&ps, "phone", "0", "0", "admin", "", err), 0);
	assert_string_equal(ps.psk, "");
	assert_int_equal(ps.idle, 0);
	assert_int_equal(pgstore_session_parse(&ps, "p", "4611686018427387904", "31622400",
					       "web:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", err),
			 0);
	assert_int_equal(ps.until_wall, INT64_C(4611686018427387904));
	assert_string_equal(ps.by, "web:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

static void bad_sessions(void **state)
{
	struct pgstore_session ps = {.peer = "kept", .until_wall = 7};
	static const struct {
		const char *f[5], *why;
	} rows[] = {
		{{"", "1", "0", "admin", ""}, "session row of '' in the store: not a peer name"},
		{{".laptop", "1", "0", "admin", ""}, "'.laptop' in the store: not a peer name"},
		{{"lap top", "1", "0", "admin", ""}, "'lap top' in the store: not a peer name"},
		{{"lap\ntop", "1", "0", "admin", ""}, "session row of 'lap?top' in the store"},
		{{"it's", "1", "0", "admin", ""}, "session row of 'it?s' in the store"},
		/* Longer than a peer's name: never cut to fit. */
		{{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1", "0", "admin", ""}, "not a peer name"},
		{{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1",
		  "0", "admin", ""},
		 "session row of 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' in"},
		{{"laptop", "", "0", "admin", ""},
		 "session row of 'laptop' in the store: until_wall '' is not a whole number"},
		{{"laptop", "12x", "0", "admin", ""}, "until_wall '12x'"},
		{{"laptop", "-5", "0", "admin", ""}, "until_wall '-5'"},
		{{"laptop", " 5", "0", "admin", ""}, "until_wall ' 5'"},
		{{"laptop", "5 ", "0", "admin", ""}, "until_wall '5 '"},
		{{"laptop", "0x10", "0", "admin", ""}, "until_wall '0x10'"},
		{{"laptop", "4611686018427387905", "0", "admin", ""}, "from 0 to 2^62"},
		{{"laptop", "18446744073709551617", "0", "admin", ""}, "until_wall '1844"},
		{{"laptop", "1", "", "admin", ""},
		 "session row of 'laptop' in the store: idle '' is not a whole number of seconds"},
		{{"laptop", "1", "-1", "admin", ""}, "idle '-1'"},
		{{"laptop", "1", "10m", "admin", ""}, "idle '10m'"},
		{{"laptop", "1", "31622401", "admin", ""}, "idle '31622401'"},
		{{"laptop", "1", "0", "", ""},
		 "session row of 'laptop' in the store: by '' is not"},
		{{"laptop", "1", "0", "key:", ""}, "by 'key:'"},
		{{"laptop", "1", "0", ":x", ""}, "by ':x'"},
		{{"laptop", "1", "0", "key:a:b", ""}, "by 'key:a:b'"},
		{{"laptop", "1", "0", "key:0123 4567", ""}, "by 'key:0123 4567'"},
		{{"laptop", "1", "0", "web:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ""},
		 "at most 47 characters"},
		{{"laptop", "1", "0", "admin", "AAEC"},
		 "session row of 'laptop' in the store: the preshared key (4 characters) is not "
		 "32"},
		/* No padding, a stray bit in the last character, a space. */
		{{"laptop", "1", "0", "admin", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A"},
		 "(44 characters)"},
		{{"laptop", "1", "0", "admin", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9="},
		 "(44 characters)"},
		{{"laptop", "1", "0", "admin", " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
		 "(45 characters)"},
		{{"laptop", "1", "0", "admin", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA"},
		 "(48 characters)"},
		{{"laptop", "1", "0", "admin", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8-"},
		 "not 32 bytes in base64"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char err[ERR_LEN] = "";

		assert_int_equal(pgstore_session_parse(&ps, rows[i].f[0], rows[i].f[1],
						       rows[i].f[2], rows[i].f[3], rows[i].f[4],
						       err),
				 -EINVAL);
		assert_string_equal(ps.peer, "kept");
		assert_int_equal(ps.until_wall, 7);
		if (strstr(err, rows[i].why) == NULL)
			fail_msg("row %zu: '%s' does not say '%s'", i, err, rows[i].why);
		/* A secret, even a broken one, is never in a message. */
		if (rows[i].f[4][0] != '\0' && strstr(err, rows[i].f[4]) != NULL)
			fail_msg("row %zu: '%s' quotes the preshared key", i, err);
	}
}

static void notifications(void **state)
{
	struct pgstore_lockout lk = {.owner = "kept"};
	char err[ERR_LEN] = "";
	unsigned kinds;

	(void)state;
	assert_int_equal(pgstore_notify_parse("7 gw2/wg0 unlock alice 0123456789abcdef", "gw1/wg0",
					      &kinds, &lk, err),
			 0);
	assert_int_equal(kinds, PGSTORE_CHANGED_LOCKOUTS | PGSTORE_CHANGED_UNLOCKS);
	assert_string_equal(lk.owner, "alice");
	assert_string_equal(lk.id, "0123456789abcdef");
	assert_int_equal(lk.until_wall, 0);
	/* Ours: applied already. */
	assert_int_equal(
		pgstore_notify_parse("8 gw1/wg0 unlock bob deadbeef", "gw1/wg0", &kinds, &lk, err),
		0);
	assert_int_equal(kinds, 0);
	assert_string_equal(lk.owner, "alice");
	/* Not a gateway's own because it starts alike. */
	assert_int_equal(pgstore_notify_parse("9 gw1/wg01 lockout bob deadbeef", "gw1/wg0", &kinds,
					      &lk, err),
			 0);
	assert_int_equal(kinds, PGSTORE_CHANGED_LOCKOUTS);
	assert_int_equal(
		pgstore_notify_parse("10 psql session laptop", "gw1/wg0", &kinds, &lk, err), 0);
	assert_int_equal(kinds, PGSTORE_CHANGED_SESSIONS);
	assert_int_equal(pgstore_notify_parse("11 psql end laptop", "gw1/wg0", &kinds, &lk, err),
			 0);
	assert_int_equal(kinds, PGSTORE_CHANGED_SESSIONS);
	assert_int_equal(pgstore_notify_parse("12 psql registry -", "gw1/wg0", &kinds, &lk, err),
			 0);
	assert_int_equal(kinds, PGSTORE_CHANGED_REGISTRY);

	/* An unlock of no key a registry could hold: the lockouts are read,
	 * nothing is unlocked. */
	static const char *const bad_unlocks[] = {
		"13 psql unlock alice",
		"13 psql unlock alice 0123456789ABCDEF",
		"13 psql unlock alice 0123456789abcdef extra",
		"13 psql unlock al/ice 0123456789abcdef",
		"13 psql unlock  0123456789abcdef",
		"13 psql unlock "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		"deadbeef",
	};
	for (size_t i = 0; i < sizeof(bad_unlocks) / sizeof(bad_unlocks[0]); i++) {
		assert_int_equal(pgstore_notify_parse(bad_unlocks[i], "gw1/wg0", &kinds, &lk, err),
				 -EINVAL);
		assert_int_equal(kinds, PGSTORE_CHANGED_LOCKOUTS);
		assert_string_equal(lk.owner, "alice");
		assert_non_null(strstr(err, "an unlock in the store's change log names '"));
	}
	assert_int_equal(pgstore_notify_parse("garbage", "gw1/wg0", &kinds, &lk, err), -EINVAL);
	assert_int_equal(kinds, 0);
	assert_string_equal(err, "a change log notification 'garbage': not SEQ GATEWAY KIND NAME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_rows),     cmocka_unit_test(bad_rows),
		cmocka_unit_test(good_sessions), cmocka_unit_test(bad_sessions),
		cmocka_unit_test(notifications),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

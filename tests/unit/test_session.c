/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "state/session.h"
#include "state/session_file.h"
#include "base/strbuf.h"

#define S    NS_PER_SEC
#define BOOT "01234567-89ab-cdef-0123-456789abcdef"

static struct session *open_one(struct sessions *ss, const char *name, uint8_t keybyte,
				uint64_t now, uint64_t window_s, uint64_t idle_s, bool *extended)
{
	uint8_t key[KEY_LEN];
	struct session_req req = {.name = name,
				  .owner = "alice",
				  .key = key,
				  .window_ns = window_s * S,
				  .idle_ns = idle_s * S,
				  .by = "admin"};
	struct session *s;
	bool ext;

	memset(key, keybyte, sizeof(key));
	ipaddr_parse(&req.addrs[0], "10.77.0.2", false);
	req.n_addrs = 1;
	assert_int_equal(session_open(ss, &req, now, 1700000000, &s, extended ? extended : &ext),
			 0);
	return s;
}

static void window_and_extend(void **state)
{
	struct sessions ss;
	struct session *s;
	bool ext;

	session_init(&ss);
	s = open_one(&ss, "laptop", 1, 1000 * S, 3600, 0, &ext);
	assert_false(ext);
	assert_int_equal(session_deadline(s), 4600 * S);
	/* Opening again inside the window moves the end out, never in. */
	s = open_one(&ss, "laptop", 1, 2000 * S, 3600, 0, &ext);
	assert_true(ext);
	assert_int_equal(ss.n, 1);
	assert_int_equal(session_deadline(s), 5600 * S);
	s = open_one(&ss, "laptop", 1, 2100 * S, 60, 0, &ext);
	assert_int_equal(session_deadline(s), 5600 * S);
	assert_false(session_window_over(s, 5599 * S));
	assert_true(session_window_over(s, 5600 * S));
	session_finish(&ss);
}

static void idle_counts_from_open_and_handshakes(void **state)
{
	struct sessions ss;
	struct session *s;
	struct timespec wall = {.tv_sec = 1700000000}, hs;

	session_init(&ss);
	/* Not handshaken yet: the idle time counts from the opening. */
	s = open_one(&ss, "laptop", 1, 1000 * S, 36000, 300, NULL);
	assert_int_equal(session_deadline(s), 1300 * S);
	/* A handshake 10 s ago, read at 1200 s: active at 1190 s. */
	hs = (struct timespec){.tv_sec = wall.tv_sec - 10};
	session_note_handshake(&ss, s, &hs, 1200 * S, &wall);
	assert_int_equal(session_deadline(s), 1490 * S);
	/* The same handshake read again later changes nothing. */
	wall.tv_sec += 100;
	session_note_handshake(&ss, s, &hs, 1300 * S, &wall);
	assert_int_equal(session_deadline(s), 1490 * S);
	/* Wall clock stepped back an hour: a new handshake "in the future"
	 * counts as now, not later. */
	wall.tv_sec -= 3600;
	hs = (struct timespec){.tv_sec = wall.tv_sec + 500};
	session_note_handshake(&ss, s, &hs, 1400 * S, &wall);
	assert_int_equal(session_deadline(s), 1700 * S);
	/* A handshake older than the opening never moves activity back. */
	hs = (struct timespec){.tv_sec = wall.tv_sec - 5000};
	session_note_handshake(&ss, s, &hs, 1400 * S, &wall);
	assert_int_equal(session_deadline(s), 1700 * S);
	session_finish(&ss);
}

static void heap_orders_many(void **state)
{
	struct sessions ss;
	uint64_t last = 0;
	int n = 0;

	session_init(&ss);
	srand(7);
	for (int i = 0; i < 2000; i++) {
		char name[16];
		uint8_t key[KEY_LEN] = {0};
		struct session_req req = {.name = name, .owner = "o", .key = key, .by = "admin"};
		struct session *s;
		bool ext;

		snprintf(name, sizeof(name), "p%d", i);
		memcpy(key, &i, sizeof(i));
		req.window_ns = (uint64_t)(1 + rand() % 100000) * S;
		req.idle_ns = (uint64_t)(rand() % 3) * 600 * S;
		assert_int_equal(session_open(&ss, &req, 0, 0, &s, &ext), 0);
	}
	/* Kill some in the middle, as session kill does. */
	for (int i = 0; i < 2000; i += 7) {
		char name[16];
		struct session *s;

		snprintf(name, sizeof(name), "p%d", i);
		s = session_find(&ss, name);
		session_remove(&ss, s);
		session_free(&s);
	}
	while (ss.n > 0) {
		struct session *s = session_first(&ss);

		assert_true(session_deadline(s) >= last);
		last = session_deadline(s);
		session_remove(&ss, s);
		session_free(&s);
		n++;
	}
	assert_int_equal(n, 2000 - 286);
	assert_int_equal(session_next_deadline(&ss), SESSION_NEVER);
	session_finish(&ss);
}

static void persist_and_fail_closed(void **state)
{
	struct sessions ss, back;
	struct strbuf sb;
	struct session *s;
	char err[ERR_LEN];
	size_t dropped;

	session_init(&ss);
	s = open_one(&ss, "live", 1, 1000 * S, 3600, 300, NULL);
	s->has_psk = true;
	memset(s->psk, 5, KEY_LEN);
	open_one(&ss, "short", 2, 1000 * S, 10, 0, NULL);
	strbuf_init(&sb);
	session_file_format(&ss, BOOT, 1000 * S, 1700000000, &sb);

	/* Same boot, 100 s later: the short one is over, the live one back. */
	session_init(&back);
	assert_int_equal(session_file_parse(&back, sb.buf, sb.len, "sessions", BOOT, 1100 * S,
					    &dropped, err),
			 0);
	assert_int_equal(dropped, 1);
	assert_int_equal(back.n, 1);
	s = session_find(&back, "live");
	assert_non_null(s);
	assert_int_equal(s->until_ns, 4600 * S);
	assert_int_equal(s->until_wall, 1700000000 + 3600);
	assert_int_equal(s->idle_ns, 300 * S);
	assert_true(s->has_psk);
	assert_int_equal(s->psk[0], 5);
	session_finish(&back);

	/* Another boot: everything ends. */
	session_init(&back);
	assert_int_equal(session_file_parse(&back, sb.buf, sb.len, "sessions",
					    "ffffffff-89ab-cdef-0123-456789abcdef", 5 * S, &dropped,
					    err),
			 0);
	assert_int_equal(dropped, 2);
	assert_int_equal(back.n, 0);
	session_finish(&back);

	/* Truncated at a line boundary. */
	session_init(&back);
	*(strstr(sb.buf, "end ")) = '\0';
	assert_int_equal(session_file_parse(&back, sb.buf, strlen(sb.buf), "sessions", BOOT,
					    1100 * S, &dropped, err),
			 -EINVAL);
	assert_non_null(strstr(err, "truncated"));
	session_finish(&back);
	strbuf_finish(&sb);
	session_finish(&ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_and_extend),
		cmocka_unit_test(idle_counts_from_open_and_handshakes),
		cmocka_unit_test(heap_orders_many),
		cmocka_unit_test(persist_and_fail_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * The journal (state/journal.h): what is committed comes back at a load;
 * a counter never goes back; a session record older than the sessions
 * file, or of another boot, counts for nothing; a torn last record is
 * dropped and cut before the next write; a bad record with whole ones
 * after it refuses the load and names its offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/atomicfile.h"
#include "base/clock.h"
#include "state/journal.h"
#include "state/registry.h"
#include "state/session.h"

#define S     NS_PER_SEC
#define BOOT  "01234567-89ab-cdef-0123-456789abcdef"
#define BOOT2 "fedcba98-89ab-cdef-0123-456789abcdef"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/keygate-test-journal-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* alice with one key, counter 10. */
static struct registry *new_registry(struct reg_cred **c)
{
	struct registry *r;
	struct reg_owner *o;
	uint8_t pk[64], credid[16];

	assert_int_equal(registry_create(&r, dir), 0);
	assert_int_equal(registry_owner_add(r, "alice", &o), 0);
	memset(pk, 7, sizeof(pk));
	memset(credid, 9, sizeof(credid));
	assert_int_equal(registry_cred_add(r, o, REG_ES256, pk, 64, credid, 16, c), 0);
	registry_cred_set_counter(r, *c, 10);
	return r;
}

static struct session *open_one(struct sessions *ss, const char *name, uint8_t keybyte,
				uint64_t now, uint64_t window_s)
{
	uint8_t key[KEY_LEN];
	struct session_req req = {.name = name,
				  .owner = "alice",
				  .key = key,
				  .window_ns = window_s * S,
				  .by = "admin"};
	struct session *s;
	bool ext;

	memset(key, keybyte, sizeof(key));
	ipaddr_parse(&req.addrs[0], "10.77.0.2", false);
	req.n_addrs = 1;
	assert_int_equal(session_open(ss, &req, now, 1700000000, &s, &ext), 0);
	return s;
}

static void load(struct journal *j, struct registry *r, struct sessions *ss, const char *boot,
		 uint64_t now, struct journal_stats *st)
{
	char err[ERR_LEN];

	if (journal_load(j, r, ss, boot, now, st, err) < 0)
		fail_msg("%s", err);
}

static void append_raw(const char *text)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A whole record of the given text: its checksum and the newline. */
static void append_sealed(const char *body)
{
	uint8_t h[8];
	char hex[17], line[256];

	crypto_generichash(h, sizeof(h), (const uint8_t *)body, strlen(body), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(line, sizeof(line), "%s %s\n", body, hex);
	append_raw(line);
}

static void round_trip(void **state)
{
	struct registry *r, *r2;
	struct reg_cred *c, *c2;
	struct sessions ss, ss2;
	struct journal j, j2;
	struct journal_stats st;
	struct session *s;

	(void)state;
	r = new_registry(&c);
	session_init(&ss);
	journal_init(&j, dir, BOOT);
	/* Nothing replaces a journal that was not read. */
	assert_int_equal(journal_reset(&j), -EAGAIN);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(journal_reset(&j), 0);
	registry_cred_set_counter(r, c, 11);
	journal_counter(&j, r->owners[0], c);
	s = open_one(&ss, "laptop", 1, 100 * S, 3600);
	journal_session(&j, s);
	assert_int_equal(journal_commit(&j), 0);
	open_one(&ss, "phone", 2, 100 * S, 3600);
	journal_session(&j, session_find(&ss, "phone"));
	journal_end(&j, "laptop");
	assert_int_equal(journal_commit(&j), 0);
	/* Pending and then dropped: never written. */
	registry_cred_set_counter(r, c, 12);
	journal_counter(&j, r->owners[0], c);
	journal_discard(&j);
	assert_int_equal(journal_commit(&j), 0);

	r2 = new_registry(&c2);
	session_init(&ss2);
	journal_init(&j2, dir, BOOT);
	load(&j2, r2, &ss2, BOOT, 200 * S, &st);
	assert_int_equal(st.records, 5);
	assert_int_equal(st.torn, 0);
	assert_int_equal(c2->counter, 11);
	assert_null(session_find(&ss2, "laptop"));
	assert_non_null(session_find(&ss2, "phone"));
	assert_int_equal(session_find(&ss2, "phone")->until_ns, 3700 * S);
	/* Numbering goes on after the last written; the dropped one's
	 * number is a gap, which is allowed. */
	assert_int_equal(j2.seq, j.seq - 1);

	journal_finish(&j);
	journal_finish(&j2);
	session_finish(&ss);
	session_finish(&ss2);
	registry_destroy(&r);
	registry_destroy(&r2);
}

/* What the files say wins over older records: counters by value, sessions
 * by the sessions file's number; sessions of another boot are over. */
static void older_records(void **state)
{
	struct registry *r;
	struct reg_cred *c;
	struct sessions ss;
	struct journal j, j2;
	struct journal_stats st;

	(void)state;
	r = new_registry(&c);
	session_init(&ss);
	journal_init(&j, dir, BOOT);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(journal_reset(&j), 0);
	registry_cred_set_counter(r, c, 11);
	journal_counter(&j, r->owners[0], c);
	journal_session(&j, open_one(&ss, "laptop", 1, 100 * S, 3600));
	assert_int_equal(journal_commit(&j), 0);
	session_finish(&ss);
	registry_destroy(&r);

	/* The owners file says 20 by now. */
	r = new_registry(&c);
	registry_cred_set_counter(r, c, 20);
	session_init(&ss);
	journal_init(&j2, dir, BOOT);
	load(&j2, r, &ss, BOOT, 200 * S, &st);
	assert_int_equal(c->counter, 20);
	assert_int_equal(st.skipped, 1);
	assert_non_null(session_find(&ss, "laptop"));
	session_finish(&ss);

	/* A sessions file written after the record (say the session was
	 * killed since). */
	session_init(&ss);
	ss.journal_seq = j.seq;
	load(&j2, r, &ss, BOOT, 200 * S, &st);
	assert_int_equal(ss.n, 0);
	session_finish(&ss);

	/* Another boot, or over by now. */
	session_init(&ss);
	load(&j2, r, &ss, BOOT2, 200 * S, &st);
	assert_int_equal(ss.n, 0);
	load(&j2, r, &ss, BOOT, 4000 * S, &st);
	assert_int_equal(ss.n, 0);

	journal_finish(&j);
	journal_finish(&j2);
	session_finish(&ss);
	registry_destroy(&r);
}

static void torn_and_corrupt(void **state)
{
	struct registry *r;
	struct reg_cred *c;
	struct sessions ss;
	struct journal j;
	struct journal_stats st;
	char err[ERR_LEN], *text;
	size_t len;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
	r = new_registry(&c);
	session_init(&ss);
	journal_init(&j, dir, BOOT);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(journal_reset(&j), 0);
	registry_cred_set_counter(r, c, 11);
	journal_counter(&j, r->owners[0], c);
	assert_int_equal(journal_commit(&j), 0);

	/* A crash in the middle of the next record: dropped and counted. */
	append_raw("c 3 alice 0123");
	registry_cred_set_counter(r, c, 10);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.records, 2);
	assert_int_equal(c->counter, 11);
	/* The next write goes where the whole records end. */
	registry_cred_set_counter(r, c, 12);
	journal_counter(&j, r->owners[0], c);
	assert_int_equal(journal_commit(&j), 0);
	registry_cred_set_counter(r, c, 10);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(st.torn, 0);
	assert_int_equal(st.records, 3);
	assert_int_equal(c->counter, 12);

	/* A whole last line with a wrong checksum is torn too; the same
	 * line with a record after it is corruption, named by its offset. */
	assert_int_equal(atomicfile_read(path, &text, &len, 1 << 20), 0);
	text[len - 3] = text[len - 3] == '0' ? '1' : '0';
	assert_int_equal(atomicfile_write(path, text, len, 0600), 0);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(st.torn, 1);
	assert_int_equal(st.records, 2);
	text[len - 3] = text[len - 3] == '0' ? '1' : '0';
	/* the second record, the counter of 11 */
	text[strchr(text, '\n') + 8 - text] ^= 1;
	assert_int_equal(atomicfile_write(path, text, len, 0600), 0);
	assert_int_equal(journal_load(&j, r, &ss, BOOT, 0, &st, err), -EINVAL);
	{
		char want[64];

		snprintf(want, sizeof(want), "corrupt record at offset %zu",
			 (size_t)(strchr(text, '\n') + 1 - text));
		assert_non_null(strstr(err, want));
	}
	free(text);

	journal_finish(&j);
	session_finish(&ss);
	registry_destroy(&r);
}

/* Numbers never start again, across a reset and a reload; a record out of
 * order is corruption. */
static void numbering(void **state)
{
	struct registry *r;
	struct reg_cred *c;
	struct sessions ss;
	struct journal j, j2;
	struct journal_stats st;
	char err[ERR_LEN];
	uint64_t seq;

	(void)state;
	r = new_registry(&c);
	session_init(&ss);
	journal_init(&j, dir, BOOT);
	load(&j, r, &ss, BOOT, 0, &st);
	assert_int_equal(journal_reset(&j), 0);
	journal_counter(&j, r->owners[0], c);
	journal_counter(&j, r->owners[0], c);
	assert_int_equal(journal_commit(&j), 0);
	seq = j.seq;
	assert_int_equal(journal_reset(&j), 0);
	journal_counter(&j, r->owners[0], c);
	assert_int_equal(j.seq, seq + 1);
	assert_int_equal(journal_reset(&j), -EBUSY);
	assert_int_equal(journal_commit(&j), 0);
	journal_init(&j2, dir, BOOT);
	load(&j2, r, &ss, BOOT, 0, &st);
	assert_int_equal(j2.seq, seq + 1);
	/* The sessions file's number counts too. */
	assert_int_equal(journal_reset(&j2), 0);
	ss.journal_seq = 1000;
	load(&j2, r, &ss, BOOT, 0, &st);
	assert_int_equal(j2.seq, 1000);
	append_sealed("c 1001 alice 00 1");
	load(&j2, r, &ss, BOOT, 0, &st);
	assert_int_equal(st.skipped, 1); /* no such key */
	append_sealed("c 1000 alice 00 1");
	assert_int_equal(journal_load(&j2, r, &ss, BOOT, 0, &st, err), -EINVAL);
	journal_finish(&j);
	journal_finish(&j2);
	session_finish(&ss);
	registry_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(older_records, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_and_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(numbering, setup, teardown),
	};

	key_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

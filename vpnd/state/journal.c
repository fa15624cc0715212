/* SPDX-License-Identifier: ISC */
/* The journal's records and their replay (journal.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "state/journal.h"
#include "state/session_file.h"

#define HASH_LEN 8 /* bytes; 16 hex digits */

void journal_init(struct journal *j, const char *dir, const char *boot_id)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->path, sizeof(j->path), "%s/%s", dir, JOURNAL_NAME);
	snprintf(j->boot_id, sizeof(j->boot_id), "%s", boot_id);
	strbuf_init(&j->pending);
}

void journal_finish(struct journal *j)
{
	strbuf_finish(&j->pending);
}

/* Ends the record begun at offset from: its checksum and the newline. */
static void seal(struct strbuf *sb, size_t from)
{
	uint8_t h[HASH_LEN];
	char hex[2 * HASH_LEN + 1];

	if (sb->failed)
		return;
	crypto_generichash(h, sizeof(h), (const uint8_t *)sb->buf + from, sb->len - from, NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	strbuf_printf(sb, " %s\n", hex);
}

void journal_boot(struct strbuf *sb, const char *boot_id)
{
	size_t from = sb->len;

	strbuf_printf(sb, "b 0 %s", boot_id);
	seal(sb, from);
}

void journal_counter(struct journal *j, const struct reg_owner *o, const struct reg_cred *c)
{
	size_t from = j->pending.len;

	strbuf_printf(&j->pending, "c %" PRIu64 " %s %s %" PRIu32, ++j->seq, o->name, c->id,
		      c->counter);
	seal(&j->pending, from);
}

void journal_session(struct journal *j, const struct session *s)
{
	size_t from = j->pending.len;

	strbuf_printf(&j->pending, "s %" PRIu64 " ", ++j->seq);
	session_file_line(&j->pending, s);
	seal(&j->pending, from);
}

void journal_end(struct journal *j, const char *peer)
{
	size_t from = j->pending.len;

	strbuf_printf(&j->pending, "e %" PRIu64 " %s", ++j->seq, peer);
	seal(&j->pending, from);
}

void journal_discard(struct journal *j)
{
	strbuf_reset(&j->pending);
}

/* Where a replay is. */
struct jr {
	struct registry *r;
	struct sessions *ss;
	const char *boot_id;
	uint64_t now_ns;
	bool same_boot; /* the last boot record is this boot */
	struct journal_stats *st;
};

static int u64_of(const char *v, uint64_t *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return *end != '\0' || errno != 0 ? -EINVAL : 0;
}

static int counter(struct jr *x, char **w, int n)
{
	struct reg_owner *o;
	struct reg_cred *c;
	uint64_t v;

	if (n != 5 || u64_of(w[4], &v) < 0 || v > UINT32_MAX)
		return -EINVAL;
	o = registry_owner_find(x->r, w[2]);
	c = o != NULL ? registry_cred_find(o, w[3]) : NULL;
	/* Gone since (revoked keys stay; removed owners do not), or a record
	 * older than what the owners file says: a counter never goes back. */
	if (c == NULL || v <= c->counter) {
		x->st->skipped++;
		return 0;
	}
	registry_cred_set_counter(x->r, c, (uint32_t)v);
	x->st->applied++;
	return 0;
}

static void drop_session(struct sessions *ss, const char *name)
{
	struct session *old = session_find(ss, name);

	if (old != NULL) {
		session_remove(ss, old);
		session_free(&old);
	}
}

static int session(struct jr *x, char **w, int n, uint64_t seq)
{
	struct session *s, *other;
	const char *bad;
	int ret;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	/* w[1] is the number, where the file's line has "session". */
	if (n != 13 || session_file_fields(w + 1, 12, s, &bad) < 0) {
		session_free(&s);
		return -EINVAL;
	}
	if (x->ss == NULL || !x->same_boot || seq <= x->ss->journal_seq) {
		session_free(&s);
		x->st->skipped++;
		return 0;
	}
	drop_session(x->ss, s->name);
	if (s->until_ns <= x->now_ns) {
		session_free(&s);
		x->st->applied++;
		return 0;
	}
	if (s->active_ns > x->now_ns)
		s->active_ns = x->now_ns;
	/* A key now another session's: that one is newer. */
	other = session_find_key(x->ss, s->key);
	if (other != NULL || (ret = session_insert(x->ss, s)) < 0) {
		session_free(&s);
		x->st->skipped++;
		return 0;
	}
	x->st->applied++;
	return 0;
}

static int end(struct jr *x, char **w, int n, uint64_t seq)
{
	if (n != 3 || !text_valid_name(w[2]))
		return -EINVAL;
	if (x->ss == NULL || !x->same_boot || seq <= x->ss->journal_seq) {
		x->st->skipped++;
		return 0;
	}
	drop_session(x->ss, w[2]);
	x->st->applied++;
	return 0;
}

/* One line without its newline: whole (its checksum right) or not. */
static bool whole(const char *line, size_t n)
{
	const char *sp;
	uint8_t h[HASH_LEN], want[HASH_LEN];
	size_t got = 0;

	sp = n > 2 * HASH_LEN ? line + n - 2 * HASH_LEN - 1 : NULL;
	if (sp == NULL || *sp != ' ' ||
	    sodium_hex2bin(want, sizeof(want), sp + 1, 2 * HASH_LEN, NULL, &got, NULL) != 0 ||
	    got != sizeof(want))
		return false;
	crypto_generichash(h, sizeof(h), (const uint8_t *)line, (size_t)(sp - line), NULL, 0);
	return sodium_memcmp(h, want, sizeof(h)) == 0;
}

/* A whole record: 0 applied or skipped, -EINVAL when it does not parse. */
static int record(struct jr *x, char *line)
{
	char *w[16];
	int n = text_split(line, w, 16);
	uint64_t seq;

	if (n < 3 || strlen(w[0]) != 1 || u64_of(w[1], &seq) < 0)
		return -EINVAL;
	n--; /* the checksum */
	/* The boot record heads the file, unnumbered. */
	if (w[0][0] == 'b') {
		if (n != 3 || seq != 0 || x->st->records != 0 || strlen(w[2]) != BOOT_ID_LEN)
			return -EINVAL;
		x->same_boot = strcmp(w[2], x->boot_id) == 0;
		return 0;
	}
	if (seq <= x->st->last_seq)
		return -EINVAL;
	x->st->last_seq = seq;
	switch (w[0][0]) {
	case 'c':
		return counter(x, w, n);
	case 's':
		return session(x, w, n, seq);
	case 'e':
		return end(x, w, n, seq);
	default:
		return -EINVAL;
	}
}

int journal_replay(const char *text, size_t len, struct registry *r, struct sessions *ss,
		   const char *boot_id, uint64_t now_ns, struct journal_stats *st,
		   char err[ERR_LEN])
{
	struct jr x = {.r = r, .ss = ss, .boot_id = boot_id, .now_ns = now_ns, .st = st};
	char line[JOURNAL_LINE_MAX + 1];
	size_t off = 0;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - off;
		bool ok = nl != NULL && n <= JOURNAL_LINE_MAX && memchr(p, '\0', n) == NULL &&
			  whole(p, n);

		if (ok) {
			memcpy(line, p, n);
			line[n] = '\0';
			ret = record(&x, line);
			if (ret == -ENOMEM)
				break;
			ok = ret == 0;
		}
		if (!ok) {
			/* Cut short by a crash: nothing whole follows it. */
			if (nl == NULL || (nl + 1 == text + len && n > 0 && !whole(p, n))) {
				st->torn = 1;
				ret = 0;
				break;
			}
			text_err(err, "corrupt record at offset %zu", off);
			ret = -EINVAL;
			break;
		}
		st->records++;
		off += n + 1;
		st->good = (off_t)off;
	}
	sodium_memzero(line, sizeof(line));
	return ret;
}

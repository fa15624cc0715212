/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "base/duration.h"
#include "state/session_file.h"
#include "base/strbuf.h"

#define LINE_MAX_LEN 1024

void session_file_line(struct strbuf *sb, const struct session *s)
{
	char addr[IPADDR_LIST_STR_LEN];
	key_b64_t k, psk;

	key_to_base64(k, s->key);
	if (s->has_psk)
		key_to_base64(psk, s->psk);
	ipaddr_format_list(s->addrs, s->n_addrs, addr, sizeof(addr), false);
	strbuf_printf(
		sb,
		"%s owner=%s public-key=%s address=%s psk=%s opened=%" PRId64 " until=%" PRId64
		" until-boot=%" PRIu64 " active-boot=%" PRIu64 " idle=%" PRIu64 " by=%s",
		s->name, s->owner, k, addr, s->has_psk ? psk : "-", s->opened_wall, s->until_wall,
		s->until_ns, s->active_ns, (uint64_t)(s->idle_ns / NS_PER_SEC), s->by);
	sodium_memzero(psk, sizeof(psk));
}

void session_file_format(const struct sessions *ss, const char *boot_id, uint64_t now_ns,
			 int64_t now_wall, struct strbuf *sb)
{
	strbuf_printf(sb,
		      "# keygate sessions. Written by vpnd; deadlines count on "
		      "CLOCK_BOOTTIME of this boot.\nboot %s\n",
		      boot_id);
	/* The journal's records up to this one are in the file (journal.h). */
	if (ss->journal_seq != 0)
		strbuf_printf(sb, "journal %" PRIu64 "\n", ss->journal_seq);
	for (size_t i = 0; i < ss->n; i++) {
		strbuf_puts(sb, "session ");
		session_file_line(sb, ss->heap[i]);
		strbuf_puts(sb, "\n");
	}
	strbuf_printf(sb, "end %zu\n", ss->n);
}

int session_file_save(const struct sessions *ss, const char *path, const char *boot_id)
{
	struct strbuf sb;
	int ret;

	strbuf_init(&sb);
	session_file_format(ss, boot_id, clock_boot_ns(), clock_wall(), &sb);
	ret = sb.failed ? -ENOMEM : atomicfile_write(path, sb.buf, sb.len, 0600);
	strbuf_finish(&sb);
	return ret;
}

static int sf_u64(const char *v, uint64_t *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return *end != '\0' || errno != 0 ? -EINVAL : 0;
}

int session_file_fields(char **w, int n, struct session *s, const char **bad)
{
	static const char *const names[] = {"owner", "public-key", "address",     "psk",  "opened",
					    "until", "until-boot", "active-boot", "idle", "by"};
	const char *v[10] = {0};
	uint64_t u;
	int ret;

	*bad = "fields";
	if (n != 12 || !text_valid_name(w[1]))
		return -EINVAL;
	strcpy(s->name, w[1]);
	for (int i = 2; i < n; i++) {
		char *val, *k = text_kv(w[i], &val);
		int j;

		if (k == NULL)
			return -EINVAL;
		for (j = 0; j < 10 && strcmp(names[j], k) != 0; j++)
			;
		if (j == 10 || v[j] != NULL)
			return -EINVAL;
		v[j] = val;
	}
	*bad = "owner";
	if (!text_valid_name(v[0]))
		return -EINVAL;
	strcpy(s->owner, v[0]);
	*bad = "public-key";
	if (key_from_base64(s->key, v[1]) < 0)
		return -EINVAL;
	*bad = "address";
	/* One address (files from before dual-stack tunnels) or two. */
	ret = ipaddr_parse_list(s->addrs, SESSION_ADDRS_MAX, v[2]);
	if (ret < 0)
		return -EINVAL;
	s->n_addrs = (uint8_t)ret;
	*bad = "psk";
	if (strcmp(v[3], "-") != 0) {
		if (key_from_base64(s->psk, v[3]) < 0)
			return -EINVAL;
		s->has_psk = true;
	}
	*bad = "opened";
	if (sf_u64(v[4], &u) < 0)
		return -EINVAL;
	s->opened_wall = (int64_t)u;
	*bad = "until";
	if (sf_u64(v[5], &u) < 0)
		return -EINVAL;
	s->until_wall = (int64_t)u;
	*bad = "until-boot";
	if (sf_u64(v[6], &s->until_ns) < 0)
		return -EINVAL;
	*bad = "active-boot";
	if (sf_u64(v[7], &s->active_ns) < 0)
		return -EINVAL;
	*bad = "idle";
	if (sf_u64(v[8], &u) < 0 || u > DURATION_MAX)
		return -EINVAL;
	s->idle_ns = u * NS_PER_SEC;
	*bad = "by";
	if (!text_is_token(v[9], SESSION_BY_LEN - 1))
		return -EINVAL;
	strcpy(s->by, v[9]);
	return 0;
}

static int sf_fail(char err[ERR_LEN], const char *name, unsigned line, const char *what)
{
	text_err(err, "%s:%u: %s", name, line, what);
	return -EINVAL;
}

int session_file_parse(struct sessions *ss, const char *text, size_t len, const char *name,
		       const char *boot_id, uint64_t now_ns, size_t *dropped, char err[ERR_LEN])
{
	const char *p = text, *end = text + len;
	char line[LINE_MAX_LEN + 1];
	struct session *s = NULL;
	bool same_boot = false, have_boot = false, have_seq = false, ended = false;
	size_t records = 0;
	unsigned lineno = 0;
	int ret = 0;

	*dropped = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl != NULL ? nl : end) - p;
		char *w[14];
		int nw;

		lineno++;
		if (ended || nl == NULL || n > LINE_MAX_LEN || memchr(p, '\0', n) != NULL) {
			ret = sf_fail(err, name, lineno,
				      ended ? "text after the 'end' line"
					    : "truncated or not text");
			goto out;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		nw = text_split(line, w, 14);
		if (nw == 0 || (nw > 0 && w[0][0] == '#'))
			continue;
		if (nw < 0) {
			ret = sf_fail(err, name, lineno, "too many fields");
			goto out;
		}
		if (strcmp(w[0], "boot") == 0 && nw == 2 && !have_boot) {
			have_boot = true;
			same_boot = strcmp(w[1], boot_id) == 0;
			continue;
		}
		if (strcmp(w[0], "journal") == 0 && nw == 2 && have_boot && !have_seq &&
		    records == 0) {
			if (sf_u64(w[1], &ss->journal_seq) < 0) {
				ret = sf_fail(err, name, lineno, "bad journal sequence number");
				goto out;
			}
			have_seq = true;
			continue;
		}
		if (strcmp(w[0], "end") == 0 && nw == 2) {
			uint64_t want;

			if (sf_u64(w[1], &want) < 0 || want != records) {
				ret = sf_fail(err, name, lineno, "the 'end' line does not match");
				goto out;
			}
			ended = true;
			continue;
		}
		if (strcmp(w[0], "session") != 0 || !have_boot) {
			ret = sf_fail(err, name, lineno, "expected 'boot', 'session' or 'end'");
			goto out;
		}
		records++;
		s = calloc(1, sizeof(*s));
		if (s == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		{
			const char *bad;
			char msg[64];

			if (session_file_fields(w, nw, s, &bad) < 0) {
				snprintf(msg, sizeof(msg), "bad %s", bad);
				ret = sf_fail(err, name, lineno, msg);
				goto out;
			}
		}
		/* A window longer than any allowed one means a damaged file. */
		if (same_boot && s->until_ns > now_ns + DURATION_MAX * NS_PER_SEC) {
			ret = sf_fail(err, name, lineno, "window ends too far in the future");
			goto out;
		}
		if (!same_boot || s->until_ns <= now_ns) {
			(*dropped)++;
			session_free(&s);
			continue;
		}
		if (s->active_ns > now_ns)
			s->active_ns = now_ns;
		ret = session_insert(ss, s);
		if (ret < 0) {
			ret = sf_fail(err, name, lineno, "session appears twice");
			goto out;
		}
		s = NULL;
	}
	if (len > 0 && !ended)
		ret = sf_fail(err, name, lineno + 1, "no 'end' line: the file is truncated");
out:
	session_free(&s);
	sodium_memzero(line, sizeof(line));
	return ret;
}

int session_file_load(struct sessions *ss, const char *path, const char *boot_id, uint64_t now_ns,
		      size_t *dropped, char err[ERR_LEN])
{
	char *text;
	size_t len;
	int ret;

	*dropped = 0;
	ret = atomicfile_read(path, &text, &len, SESSION_FILE_MAX);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		text_err(err, "cannot read %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = session_file_parse(ss, text, len, path, boot_id, now_ns, dropped, err);
	sodium_memzero(text, len);
	free(text);
	return ret;
}

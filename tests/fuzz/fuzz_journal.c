/* SPDX-License-Identifier: ISC */
/*
 * The journal's replay (state/journal.h) on untrusted bytes, over a
 * registry with one owner and one key whose counter is 10 and a sessions
 * table holding one session: whatever the bytes, the counter never goes
 * below 10, a failure names an offset, and what is torn is at the end.
 * The first byte picks the bytes as they are, or lines that get their
 * checksums here, so that the fuzzer reaches the records' parsers
 * behind the checksum it could not guess.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/key.h"
#include "base/strbuf.h"
#include "state/journal.h"
#include "state/registry.h"
#include "state/session.h"

#define BOOT "01234567-89ab-cdef-0123-456789abcdef"
#define NOW  (1000ULL * 1000000000ULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* alice's key, ID 9c814f2029e1f7b20b6dfa80c2ec39e8: the one the seeds
 * name. */
static struct registry *registry(struct reg_cred **c)
{
	struct registry *r = NULL;
	struct reg_owner *o;
	uint8_t pk[64], credid[16];

	if (registry_create(&r, "/nonexistent") < 0)
		return NULL;
	memset(pk, 7, sizeof(pk));
	memset(credid, 9, sizeof(credid));
	if (registry_owner_add(r, "alice", &o) < 0 ||
	    registry_cred_add(r, o, REG_ES256, pk, 64, credid, 16, c) < 0) {
		registry_destroy(&r);
		return NULL;
	}
	registry_cred_set_counter(r, *c, 10);
	return r;
}

/* Each line of the input with its checksum, as the journal writes it. */
static void seal_lines(struct strbuf *sb, const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		uint8_t h[8];
		char hex[17];

		crypto_generichash(h, sizeof(h), p, n, NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		strbuf_add(sb, (const char *)p, n);
		/* The last line without its newline stays torn. */
		if (nl != NULL)
			strbuf_printf(sb, " %s\n", hex);
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[KEY_LEN];
	struct session_req req = {
		.name = "laptop", .owner = "alice", .key = key, .window_ns = NOW, .by = "admin"};
	struct journal_stats st;
	struct reg_cred *c = NULL;
	struct sessions ss;
	struct registry *r;
	struct session *s;
	char err[ERR_LEN] = "";
	struct strbuf sb;
	bool ext;
	int ret;

	if (size < 1)
		return 0;
	key_init();
	strbuf_init(&sb);
	if (data[0] & 1)
		seal_lines(&sb, data + 1, size - 1);
	else
		strbuf_add(&sb, (const char *)data + 1, size - 1);
	if (sb.failed || sb.buf == NULL) {
		strbuf_finish(&sb);
		return 0;
	}
	data = (const uint8_t *)sb.buf;
	size = sb.len;
	r = registry(&c);
	if (r == NULL) {
		strbuf_finish(&sb);
		return 0;
	}
	session_init(&ss);
	memset(key, 1, sizeof(key));
	ipaddr_parse(&req.addrs[0], "10.77.0.2", false);
	req.n_addrs = 1;
	session_open(&ss, &req, NOW / 2, 1700000000, &s, &ext);
	ret = journal_replay((const char *)data, size, r, &ss, BOOT, NOW, &st, err);
	if (c->counter < 10 || (size_t)st.good > size || (ret < 0 && strstr(err, "offset") == NULL))
		abort();
	if (ret == 0 && st.torn == 0 && (size_t)st.good != size)
		abort(); /* all of it read, or the rest torn */
	session_finish(&ss);
	registry_destroy(&r);
	strbuf_finish(&sb);
	return 0;
}

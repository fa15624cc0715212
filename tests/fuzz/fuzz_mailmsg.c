/* SPDX-License-Identifier: ISC */
/* The monitor <-> child mail messages (common/mailmsg.c, mailpart.c). The
 * input is read four ways: a whole table, which the child decodes and
 * looks up in; the same bytes sent in parts, which swap in exactly when
 * they decode, and never out of order; a run of MAIL_TABLE parts (each
 * after a two-byte length) gathered as the child gathers them; and a
 * MAIL_REFUSED, which the monitor decodes and, re-encoded, gets back byte
 * for byte. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/actmsg.h"
#include "common/mailmsg.h"
#include "common/mailpart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t part[MAILMSG_TABLE_MAX];

static void lookups(const struct mailmsg_table *t)
{
	const char *owner;
	size_t n;
	struct ipaddr a;

	/* Every entry's own address and first login: the owner's. */
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mailmsg_entry *e = &t->entries[i];

		a = e->net;
		if (e->n_logins > 0 &&
		    mailmsg_decide(t, &a, (const char *)e->logins + 1, e->logins[0], &owner, &n) >
			    MAILMSG_ALLOW_OWNER)
			abort();
	}
}

/* A table in force (one entry, gen 1), then the input as gen 2's parts. */
static void in_parts(const uint8_t *data, size_t size, bool decodes, uint32_t n_whole)
{
	static const char *const l[] = {"x"};
	struct mailmsg_table t = {0};
	struct mailmsg_enc e = {0};
	struct ipaddr a = {.family = AF_INET, .bytes = {10, 0, 0, 1}, .prefix = 32};
	uint32_t count = mailpart_count(size);
	int ret = 0;

	if (size > MAILMSG_TABLE_TOTAL_MAX || mailmsg_enc_start(&e, NULL, 4096, NULL, 0) < 0 ||
	    mailmsg_enc_entry(&e, &a, "x", l, 1) < 0)
		abort();
	mailmsg_enc_finish(&e);
	if (mailpart_add(&t, part, mailpart_encode(part, 1, 0, e.p, e.len)) != 1 || t.n != 1)
		abort();
	/* Out of order: the second part first drops the table. */
	if (count > 1 &&
	    (mailpart_add(&t, part, mailpart_encode(part, 2, 1, data, size)) != -EBADMSG ||
	     t.n != 1))
		abort();
	for (uint32_t i = 0; i < count; i++) {
		ret = mailpart_add(&t, part, mailpart_encode(part, 2, i, data, size));
		if (i + 1 < count && ret != 0)
			abort();
	}
	if (decodes ? ret != 1 || t.n != n_whole : ret != -EBADMSG || t.n != 1)
		abort();
	mailmsg_table_free(&t);
	mailmsg_enc_free(&e);
}

/* Parts as they come: whatever they are, the table in force is whole. */
static void gathered(const uint8_t *data, size_t size)
{
	struct mailmsg_table t = {0};

	while (size >= 2) {
		size_t n = (size_t)data[0] << 8 | data[1];
		int ret;

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		ret = mailpart_add(&t, data, n);
		if (ret != 1 && ret != 0 && ret != -EBADMSG)
			abort();
		if (t.in.count > 0 &&
		    (t.in.next > t.in.count || t.in.len > (size_t)t.in.next * MAILPART_DATA))
			abort();
		if (ret == 1)
			lookups(&t);
		data += n;
		size -= n;
	}
	mailmsg_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailmsg_table t;
	struct mailmsg_refused r;
	uint8_t buf[MAILMSG_REFUSED_MAX];
	size_t len;
	bool decodes = mailmsg_decode_table(&t, data, size) == 0;
	uint32_t n = decodes ? t.n : 0;

	if (decodes) {
		lookups(&t);
		mailmsg_table_free(&t);
	}
	in_parts(data, size, decodes, n);
	gathered(data, size);
	if (mailmsg_decode_refused(&r, data, size) == 0) {
		if (mailmsg_encode_refused(buf, &len, &r) != 0 || len != size ||
		    memcmp(buf, data, size) != 0)
			abort();
	}
	return 0;
}

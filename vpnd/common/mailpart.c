/* SPDX-License-Identifier: ISC */
/* The mail table in parts (mailpart.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/actmsg.h"
#include "common/mailpart.h"
#include "common/wire.h"

uint32_t mailpart_count(size_t len)
{
	return len == 0 ? 1 : (uint32_t)((len + MAILPART_DATA - 1) / MAILPART_DATA);
}

size_t mailpart_encode(uint8_t *out, uint32_t gen, uint32_t i, const uint8_t *table, size_t len)
{
	struct wire_wr w = {.p = out, .cap = MAILMSG_TABLE_MAX};
	size_t at = (size_t)i * MAILPART_DATA;
	size_t n = len - at < MAILPART_DATA ? len - at : MAILPART_DATA;

	wire_put_u8(&w, ACTMSG_MAIL_TABLE);
	wire_put_u32(&w, gen);
	wire_put_u32(&w, i);
	wire_put_u32(&w, mailpart_count(len));
	wire_put(&w, table + at, n);
	return w.len;
}

static void drop(struct mailmsg_table *t)
{
	if (t->in.count > 0)
		t->dropped++;
	free(t->in.buf);
	memset(&t->in, 0, sizeof(t->in));
}

/* The last part came: the gathered table replaces t's if it decodes. */
static int done(struct mailmsg_table *t)
{
	struct mailmsg_table next;
	int ret = mailmsg_adopt_table(&next, t->in.buf, t->in.len);

	memset(&t->in, 0, sizeof(t->in));
	if (ret < 0) {
		t->dropped++;
		return ret;
	}
	next.dropped = t->dropped;
	free(t->buf);
	free(t->entries);
	*t = next;
	return 1;
}

int mailpart_add(struct mailmsg_table *t, const uint8_t *msg, size_t len)
{
	struct wire_rd r = {.p = msg, .len = len};
	uint32_t gen, i, count;
	size_t n = len - MAILPART_HEAD;

	if (len <= MAILPART_HEAD || len > MAILMSG_TABLE_MAX || wire_get_u8(&r) != ACTMSG_MAIL_TABLE)
		goto bad;
	gen = wire_get_u32(&r);
	i = wire_get_u32(&r);
	count = wire_get_u32(&r);
	if (count == 0 || count > MAILPART_MAX || i >= count ||
	    (i + 1 < count && n != MAILPART_DATA))
		goto bad;
	if (i == 0) {
		/* A new table: one under way ended short. */
		drop(t);
		t->in.buf = malloc((size_t)count * MAILPART_DATA);
		if (t->in.buf == NULL) {
			t->dropped++;
			return -ENOMEM;
		}
		t->in.gen = gen;
		t->in.count = count;
	} else if (t->in.count == 0 || gen != t->in.gen || count != t->in.count ||
		   i != t->in.next) {
		goto bad;
	}
	memcpy(t->in.buf + t->in.len, msg + MAILPART_HEAD, n);
	t->in.len += n;
	t->in.next = i + 1;
	return t->in.next == count ? done(t) : 0;
bad:
	/* Whatever was under way can no longer end whole. */
	if (t->in.count == 0)
		t->dropped++;
	drop(t);
	return -EBADMSG;
}

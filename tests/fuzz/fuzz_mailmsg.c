/* SPDX-License-Identifier: ISC */
/* The monitor <-> child mail messages (common/mailmsg.c): a MAIL_TABLE
 * the child decodes and looks up in, a MAIL_REFUSED the monitor decodes
 * and, re-encoded, gets back byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/actmsg.h"
#include "common/mailmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailmsg_table t;
	struct mailmsg_refused r;
	uint8_t buf[MAILMSG_REFUSED_MAX];
	size_t len, n;
	const char *owner;
	struct ipaddr a;

	if (mailmsg_decode_table(&t, data, size) == 0) {
		/* Every entry's own address and first login: the owner's. */
		for (uint32_t i = 0; i < t.n; i++) {
			const struct mailmsg_entry *e = &t.entries[i];

			a = e->net;
			if (e->n_logins > 0 &&
			    mailmsg_decide(&t, &a, (const char *)e->logins + 1, e->logins[0],
					   &owner, &n) > MAILMSG_ALLOW_OWNER)
				abort();
		}
		mailmsg_table_free(&t);
	}
	if (mailmsg_decode_refused(&r, data, size) == 0) {
		if (mailmsg_encode_refused(buf, &len, &r) != 0 || len != size ||
		    memcmp(buf, data, size) != 0)
			abort();
	}
	return 0;
}

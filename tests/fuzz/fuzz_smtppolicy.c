/* SPDX-License-Identifier: ISC */
/* Postfix's policy requests in the network child (netchild/smtppolicy.c)
 * and their answers under an empty table: DUNNO or REJECT, never more
 * than the room given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mailmsg.h"
#include "netchild/smtppolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mailmsg_table t;
	struct smtppolicy *sp;
	struct smtppolicy_req q;
	char out[256];
	size_t n;

	if (smtppolicy_parse(&q, (const char *)data, size) != 0)
		return 0;
	if (smtppolicy_create(&sp, -1, &t, NULL) < 0)
		abort();
	n = smtppolicy_answer(sp, &q, out, sizeof(out));
	if (n >= sizeof(out) ||
	    (strcmp(out, "action=DUNNO\n\n") != 0 && strncmp(out, "action=REJECT ", 14) != 0))
		abort();
	if (q.sasl_username[0] != '\0' && q.access_policy && strcmp(out, "action=DUNNO\n\n") == 0) {
		struct ipaddr a;

		/* DUNNO for a login under an empty table: loopback only. */
		if (mailmsg_parse_addr(&a, q.client_address, strlen(q.client_address)) != 0)
			abort();
	}
	smtppolicy_destroy(&sp);
	return 0;
}

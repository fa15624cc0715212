/* SPDX-License-Identifier: ISC */
/* Dovecot's policy requests in the network child (netchild/mailpolicy.c),
 * then what the child makes of their remote address. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mailmsg.h"
#include "netchild/mailpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mailpolicy_req q;
	struct mailmsg_table t = {0};
	struct ipaddr a;
	const char *owner;
	size_t n;

	if (mailpolicy_parse(&q, (const char *)data, size) != 0)
		return 0;
	if (q.login_len != strlen(q.login) && memchr(q.login, '\0', q.login_len) == NULL)
		abort();
	if (mailmsg_parse_addr(&a, q.remote, strlen(q.remote)) == 0 &&
	    mailmsg_decide(&t, &a, q.login, q.login_len, &owner, &n) == MAILMSG_ALLOW_OWNER)
		abort(); /* an empty table holds no owner */
	return 0;
}

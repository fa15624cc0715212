/* SPDX-License-Identifier: ISC */
/*
 * Postfix's policy delegation server in the network child (docs/mail.md):
 * name=value lines ended by an empty line, on the listener the monitor
 * made ([Mail] PostfixPolicy, TCP or a unix socket), several requests per
 * connection. A request with a sasl_username is decided by the same table
 * and rule as Dovecot's (common/mailmsg.h) on that login and
 * client_address: DUNNO, or REJECT with a reason; one without a SASL login
 * is no login and gets DUNNO (submission's own restrictions refuse it).
 */
#ifndef VPND_SMTPPOLICY_H
#define VPND_SMTPPOLICY_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mailmsg.h"
#include "netchild/monwrap.h"

#define SMTPPOLICY_CONNS   64   /* Postfix keeps one per smtpd process */
#define SMTPPOLICY_REQ_MAX 8192 /* one request's lines */

struct smtppolicy;

struct smtppolicy_req {
	char sasl_username[MAILMSG_LOGIN_MAX + 1];
	char client_address[64];
	char protocol[MAILMSG_PROTO_MAX + 1]; /* protocol_name: SMTP, ESMTP */
	bool access_policy;                   /* request=smtpd_access_policy */
};

/* One request (its lines, without the empty one): 0 or -EBADMSG for a line
 * without '=', a value too long for its field, or a NUL. */
int smtppolicy_parse(struct smtppolicy_req *q, const char *text, size_t len);
/* The answer to a parsed request, "action=...\n\n", into out (cap bytes);
 * refusals go to the monitor. Its length. */
size_t smtppolicy_answer(struct smtppolicy *sp, const struct smtppolicy_req *q, char *out,
			 size_t cap);

int smtppolicy_create(struct smtppolicy **out, int listen_fd, const struct mailmsg_table *table,
		      struct monwrap *mon);
void smtppolicy_destroy(struct smtppolicy **sp);
size_t smtppolicy_poll_fds(struct smtppolicy *sp, struct pollfd *p, size_t cap, int *timeout_ms);
void smtppolicy_run(struct smtppolicy *sp, const struct pollfd *p, size_t n);

#endif

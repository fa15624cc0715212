/* SPDX-License-Identifier: ISC */
/*
 * Dovecot's authentication policy server in the network child
 * (docs/mail.md): libmicrohttpd in external-select mode in the child's
 * poll loop, on the listener the monitor made ([Mail] DovecotPolicy).
 * Dovecot POSTs JSON to /?command=allow before and after authentication
 * and to /?command=report after; each allow is decided by the table the
 * monitor pushed (common/mailmsg.h), here, without asking the monitor.
 * A refusal answers {"status":-1,"msg":...}, which the client sees, and
 * goes to the monitor for the audit (monwrap_mail_refused), unawaited.
 */
#ifndef VPND_MAILPOLICY_H
#define VPND_MAILPOLICY_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mailmsg.h"
#include "netchild/monwrap.h"

#define MAILPOLICY_CONNS    32 /* connections at once (Dovecot keeps a few) */
#define MAILPOLICY_BODY_MAX 4096

struct mailpolicy;

/* What a request says that the rule needs; the rest is ignored. */
struct mailpolicy_req {
	char login[MAILMSG_LOGIN_MAX + 1];
	size_t login_len;
	char remote[64];
	char protocol[MAILMSG_PROTO_MAX + 1];
};

/* One request's JSON body, strictly: an object whose login, remote and
 * protocol, when there, are strings that fit. 0 or -EBADMSG. */
int mailpolicy_parse(struct mailpolicy_req *q, const char *body, size_t len);

/* table: the child's copy, replaced in place as the monitor sends it. */
int mailpolicy_create(struct mailpolicy **out, int listen_fd, const struct mailmsg_table *table,
		      struct monwrap *mon);
void mailpolicy_destroy(struct mailpolicy **mp);
/* As webserver_poll_fds and webserver_run (netchild/webserver.h). */
size_t mailpolicy_poll_fds(struct mailpolicy *mp, struct pollfd *p, size_t cap, int *timeout_ms);
void mailpolicy_run(struct mailpolicy *mp, const struct pollfd *p, size_t n);

#endif

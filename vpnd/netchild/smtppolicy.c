/* SPDX-License-Identifier: ISC */
/* Postfix's policy delegation server (smtppolicy.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "netchild/smtppolicy.h"

#define IDLE_MS (600 * 1000) /* Postfix closes its own after 300 s idle */

struct conn {
	int fd; /* -1: free */
	size_t len;
	uint64_t last_ms;
	char buf[SMTPPOLICY_REQ_MAX];
};

struct smtppolicy {
	int listen_fd;
	const struct mailmsg_table *table;
	struct monwrap *mon;
	struct conn conns[SMTPPOLICY_CONNS];
};

static int value(char *out, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		return -EBADMSG;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int smtppolicy_parse(struct smtppolicy_req *q, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	memset(q, 0, sizeof(*q));
	if (memchr(text, '\0', len) != NULL)
		return -EBADMSG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end, *eq = memchr(p, '=', (size_t)(e - p));
		size_t kn, vn;
		int ret = 0;

		if (eq == NULL)
			return -EBADMSG;
		kn = (size_t)(eq - p);
		vn = (size_t)(e - eq - 1);
		if (kn == 13 && memcmp(p, "sasl_username", kn) == 0)
			ret = value(q->sasl_username, sizeof(q->sasl_username), eq + 1, vn);
		else if (kn == 14 && memcmp(p, "client_address", kn) == 0)
			ret = value(q->client_address, sizeof(q->client_address), eq + 1, vn);
		else if (kn == 13 && memcmp(p, "protocol_name", kn) == 0)
			ret = value(q->protocol, sizeof(q->protocol), eq + 1, vn);
		else if (kn == 7 && memcmp(p, "request", kn) == 0)
			q->access_policy =
				vn == 19 && memcmp(eq + 1, "smtpd_access_policy", 19) == 0;
		if (ret < 0)
			return ret;
		p = e + 1;
	}
	return 0;
}

size_t smtppolicy_answer(struct smtppolicy *sp, const struct smtppolicy_req *q, char *out,
			 size_t cap)
{
	struct mailmsg_refused r = {.service = MAILMSG_POSTFIX};
	size_t n = strlen(q->sasl_username), owner_len = 0;
	const char *owner = NULL, *why;
	enum mailmsg_verdict v;
	int len;

	if (!q->access_policy)
		return (size_t)snprintf(out, cap, "action=DUNNO\n\n");
	/* No SASL login: not ours to judge. */
	if (n == 0)
		return (size_t)snprintf(out, cap, "action=DUNNO\n\n");
	if (mailmsg_parse_addr(&r.remote, q->client_address, strlen(q->client_address)) < 0)
		v = MAILMSG_REFUSE_BAD_ADDRESS;
	else
		v = mailmsg_decide(sp->table, &r.remote, q->sasl_username, n, &owner, &owner_len);
	if (v < MAILMSG_REFUSE_FIRST)
		return (size_t)snprintf(out, cap, "action=DUNNO\n\n");
	r.reason = (uint8_t)v;
	mailmsg_clean(r.login, sizeof(r.login), q->sasl_username, n);
	mailmsg_clean(r.protocol, sizeof(r.protocol), q->protocol, strlen(q->protocol));
	mailmsg_clean(r.owner, sizeof(r.owner), owner != NULL ? owner : "", owner_len);
	if (sp->mon != NULL)
		monwrap_mail_refused(sp->mon, &r);
	why = v == MAILMSG_REFUSE_OTHER_OWNER  ? "this login sends only through its owner's tunnel"
	      : v == MAILMSG_REFUSE_NOT_TUNNEL ? "mail logins need an open keygate session"
					       : "login refused";
	len = snprintf(out, cap, "action=REJECT 5.7.1 %s (keygate)\n\n", why);
	return len > 0 ? (size_t)len : 0;
}

int smtppolicy_create(struct smtppolicy **out, int listen_fd, const struct mailmsg_table *table,
		      struct monwrap *mon)
{
	struct smtppolicy *sp = calloc(1, sizeof(*sp));

	*out = NULL;
	if (sp == NULL)
		return -ENOMEM;
	sp->listen_fd = listen_fd;
	sp->table = table;
	sp->mon = mon;
	for (int i = 0; i < SMTPPOLICY_CONNS; i++)
		sp->conns[i].fd = -1;
	*out = sp;
	return 0;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

void smtppolicy_destroy(struct smtppolicy **p)
{
	struct smtppolicy *sp = *p;

	if (sp == NULL)
		return;
	for (int i = 0; i < SMTPPOLICY_CONNS; i++)
		if (sp->conns[i].fd >= 0)
			conn_close(&sp->conns[i]);
	free(sp);
	*p = NULL;
}

size_t smtppolicy_poll_fds(struct smtppolicy *sp, struct pollfd *p, size_t cap, int *timeout_ms)
{
	size_t n = 0;
	bool room = false;

	(void)timeout_ms; /* idle ones go at the next wake-up; the loop's own is 1 s */
	for (int i = 0; i < SMTPPOLICY_CONNS && n < cap; i++) {
		if (sp->conns[i].fd < 0)
			room = true;
		else
			p[n++] = (struct pollfd){.fd = sp->conns[i].fd, .events = POLLIN};
	}
	/* Full: new connections wait in the backlog. */
	if (room && n < cap)
		p[n++] = (struct pollfd){.fd = sp->listen_fd, .events = POLLIN};
	return n;
}

/* Every whole request in the buffer answered; false when the connection
 * must go (an answer it would not take, a request too long or bad). */
static bool serve(struct smtppolicy *sp, struct conn *c)
{
	char out[256];
	size_t off = 0;

	for (;;) {
		char *end = NULL;
		struct smtppolicy_req q;
		size_t n;

		for (size_t i = off; i + 1 < c->len; i++)
			if (c->buf[i] == '\n' && c->buf[i + 1] == '\n') {
				end = c->buf + i;
				break;
			}
		if (end == NULL)
			break;
		if (smtppolicy_parse(&q, c->buf + off, (size_t)(end - c->buf) - off) < 0)
			return false;
		n = smtppolicy_answer(sp, &q, out, sizeof(out));
		/* A policy answer is a few dozen bytes: the socket takes it. */
		if (send(c->fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n)
			return false;
		off = (size_t)(end - c->buf) + 2;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
	return c->len < sizeof(c->buf);
}

static void accept_one(struct smtppolicy *sp, uint64_t now)
{
	int fd = accept4(sp->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < SMTPPOLICY_CONNS; i++)
		if (sp->conns[i].fd < 0) {
			sp->conns[i] = (struct conn){.fd = fd, .last_ms = now};
			return;
		}
	close(fd);
}

void smtppolicy_run(struct smtppolicy *sp, const struct pollfd *p, size_t n)
{
	uint64_t now = clock_boot_ns() / 1000000;

	for (size_t i = 0; i < n; i++) {
		struct conn *c = NULL;
		ssize_t got;

		if (p[i].revents == 0)
			continue;
		if (p[i].fd == sp->listen_fd) {
			accept_one(sp, now);
			continue;
		}
		for (int j = 0; j < SMTPPOLICY_CONNS; j++)
			if (sp->conns[j].fd == p[i].fd)
				c = &sp->conns[j];
		if (c == NULL)
			continue;
		got = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0) {
			conn_close(c);
			continue;
		}
		c->len += (size_t)got;
		c->last_ms = now;
		if (!serve(sp, c))
			conn_close(c);
	}
	for (int j = 0; j < SMTPPOLICY_CONNS; j++)
		if (sp->conns[j].fd >= 0 && now - sp->conns[j].last_ms > IDLE_MS)
			conn_close(&sp->conns[j]);
}

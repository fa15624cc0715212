/* SPDX-License-Identifier: ISC */
/* The child's side of the dispatch table (monwrap.h); below netchild.c. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "base/clock.h"
#include "netchild/monwrap.h"
#include "common/mailmsg.h"
#include "common/webmsg.h"

#define TIMEOUT_MS 5000

int monwrap_read_init(struct monwrap *mw, struct actmsg_init *init)
{
	uint8_t buf[ACTMSG_MAX];
	struct pollfd p = {.fd = mw->fd, .events = POLLIN};
	ssize_t n;
	int ret;

	if (poll(&p, 1, TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(mw->fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return -EPIPE;
	ret = actmsg_decode_init(init, buf, (size_t)n);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int monwrap_ready(struct monwrap *mw)
{
	uint8_t buf[1];
	size_t len;

	actmsg_encode_ready(buf, &len);
	if (send(mw->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return errno == EPIPE ? -EPIPE : -EIO;
	return 0;
}

void monwrap_stats(struct monwrap *mw, const struct actstats *st)
{
	uint8_t buf[ACTMSG_MAX];
	size_t len;

	/* Never blocks: the child's loop must not wait for the monitor. */
	if (actmsg_encode_stats(buf, &len, st) == 0)
		send(mw->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* One message while a wrapper waits: into the WEB_CONF room while it is
 * free (a RESULT there is used at once), else into buf; a WEB_CONF is kept
 * for the loop. *msg: where it went; 0 for a message to skip. */
static ssize_t wait_recv(struct monwrap *mw, uint8_t *buf, size_t cap, uint8_t **msg)
{
	bool room = mw->conf != NULL && mw->conf_len == 0;
	uint8_t type = 0;
	ssize_t n;

	if (mw->table != NULL && recv(mw->fd, &type, 1, MSG_PEEK) == 1 &&
	    type == ACTMSG_MAIL_TABLE) {
		n = recv(mw->fd, mw->table, MAILMSG_TABLE_MAX, 0);
		if (n <= 0)
			return -EPIPE;
		mw->on_table(mw->table_arg, mw->table, (size_t)n);
		return 0;
	}

	*msg = room ? mw->conf : buf;
	n = recv(mw->fd, *msg, room ? WEBMSG_CONF_MAX : cap, 0);
	if (n <= 0)
		return -EPIPE;
	if (actmsg_type(*msg, (size_t)n) == ACTMSG_WEB_CONF) {
		if (room)
			mw->conf_len = (size_t)n;
		return 0; /* a second one while one waits: cut short, dropped */
	}
	return n;
}

/* The request on its way, kept for its RESULT. */
static int ask(struct monwrap *mw, enum actmsg_type type, struct actmsg_op *op, unsigned slot)
{
	uint8_t buf[ACTMSG_MAX];
	struct monwrap_pending *p = NULL;
	size_t len;

	for (size_t i = 0; i < MONWRAP_PENDING && p == NULL; i++)
		if (!mw->pending[i].used)
			p = &mw->pending[i];
	if (p == NULL)
		return -EBUSY;
	op->seq = ++mw->seq;
	if (actmsg_encode_op(buf, &len, type, op) < 0)
		return -EMSGSIZE;
	if (send(mw->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return errno == EPIPE ? -EPIPE : -EIO;
	sodium_memzero(buf, len);
	*p = (struct monwrap_pending){.used = true,
				      .seq = op->seq,
				      .slot = slot,
				      .deadline_ms = clock_boot_ns() / 1000000 + TIMEOUT_MS};
	return 0;
}

void monwrap_result(struct monwrap *mw, const uint8_t *msg, size_t len)
{
	struct actmsg_result res;

	if (actmsg_decode_result(&res, msg, len) < 0)
		return;
	for (size_t i = 0; i < MONWRAP_PENDING; i++) {
		struct monwrap_pending *p = &mw->pending[i];

		if (p->used && !p->answered && p->seq == res.seq) {
			p->rep = res.rep;
			p->answered = true;
			break;
		}
	}
	sodium_memzero(&res, sizeof(res));
}

bool monwrap_answered(struct monwrap *mw, uint64_t now_ms, unsigned *slot, struct proto_reply *rep,
		      bool *failed)
{
	for (size_t i = 0; i < MONWRAP_PENDING; i++) {
		struct monwrap_pending *p = &mw->pending[i];

		if (!p->used || (!p->answered && now_ms < p->deadline_ms))
			continue;
		*slot = p->slot;
		*failed = !p->answered;
		if (p->answered)
			*rep = p->rep;
		sodium_memzero(p, sizeof(*p));
		return true;
	}
	return false;
}

int monwrap_activate(struct monwrap *mw, struct actmsg_op *op, unsigned slot)
{
	return ask(mw, ACTMSG_ACTIVATE, op, slot);
}

int monwrap_enroll(struct monwrap *mw, struct actmsg_op *op, unsigned slot)
{
	return ask(mw, ACTMSG_ENROLL, op, slot);
}

int monwrap_add_key(struct monwrap *mw, struct actmsg_op *op, unsigned slot)
{
	return ask(mw, ACTMSG_ADD_KEY, op, slot);
}

int monwrap_deactivate(struct monwrap *mw, struct actmsg_op *op, unsigned slot)
{
	return ask(mw, ACTMSG_DEACTIVATE, op, slot);
}

int monwrap_status(struct monwrap *mw, struct actmsg_op *op, unsigned slot)
{
	return ask(mw, ACTMSG_STATUS, op, slot);
}

int monwrap_web(struct monwrap *mw, struct webmsg_req *q, struct webmsg_result *res)
{
	uint8_t buf[WEBMSG_MAX], *m;
	size_t len;
	uint64_t deadline = clock_boot_ns() / 1000000 + TIMEOUT_MS;

	q->seq = ++mw->seq;
	if (webmsg_encode_req(buf, &len, q) < 0)
		return -EMSGSIZE;
	if (send(mw->fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return errno == EPIPE ? -EPIPE : -EIO;
	sodium_memzero(buf, len);
	for (;;) {
		uint64_t now = clock_boot_ns() / 1000000;
		struct pollfd p = {.fd = mw->fd, .events = POLLIN};
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		n = wait_recv(mw, buf, sizeof(buf), &m);
		if (n < 0)
			return (int)n;
		/* An operation's answer: its request waits in the loop. */
		if (n > 0 && actmsg_type(m, (size_t)n) == ACTMSG_RESULT) {
			monwrap_result(mw, m, (size_t)n);
			sodium_memzero(m, (size_t)n);
			continue;
		}
		if (n == 0 || actmsg_type(m, (size_t)n) != ACTMSG_WEB_RESULT ||
		    webmsg_decode_result(res, m, (size_t)n) < 0 || res->seq != q->seq)
			continue; /* a late answer to a call that timed out */
		return 0;
	}
}

int monwrap_read_web_conf(struct monwrap *mw, uint8_t *buf, size_t cap)
{
	struct pollfd p = {.fd = mw->fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(mw->fd, buf, cap, 0);
	if (n <= 0)
		return -EPIPE;
	if (actmsg_type(buf, (size_t)n) != ACTMSG_WEB_CONF)
		return -EBADMSG;
	return (int)n;
}

void monwrap_mail_refused(struct monwrap *mw, const struct mailmsg_refused *r)
{
	uint8_t buf[MAILMSG_REFUSED_MAX];
	size_t len;

	/* Never blocks: a refusal the socket has no room for is lost to the
	 * audit, not to the login, which is refused all the same. */
	if (mailmsg_encode_refused(buf, &len, r) == 0)
		send(mw->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int monwrap_read_mail_table(struct monwrap *mw)
{
	struct pollfd p = {.fd = mw->fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(mw->fd, mw->table, MAILMSG_TABLE_MAX, 0);
	if (n <= 0)
		return -EPIPE;
	if (actmsg_type(mw->table, (size_t)n) != ACTMSG_MAIL_TABLE)
		return -EBADMSG;
	return (int)n;
}

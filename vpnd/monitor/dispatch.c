/* SPDX-License-Identifier: ISC */
/*
 * The table of what the network child may ask (dispatch.h) and the
 * monitor's answers. Below privsep.c, which reads the child's socket and
 * restarts it; above ops.c, which carries the operations out. A new
 * message is a row and its answer here, its wrapper in netchild/monwrap.c,
 * its codec in common/actmsg.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "base/strbuf.h"
#include "common/actmsg.h"
#include "gateway/ctl.h"
#include "monitor/audit.h"
#include "monitor/dispatch.h"
#include "base/log.h"
#include "monitor/mailtab.h"
#include "monitor/ops.h"
#include "monitor/storesync.h"
#include "state/journal.h"
#include "monitor/webops.h"

/* Requests the monitor takes from the child whatever the child does:
 * twice its own global limit (ActivationRate), in a second and a burst. */
#define OPS_BURST(d)   (4ULL * (d)->conf.activation_rate)
#define OPS_PER_SEC(d) (2ULL * (d)->conf.activation_rate)

typedef int (*ops_fn)(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void dispatch_init(struct dispatch *dp, struct vpnd *d)
{
	*dp = (struct dispatch){
		.d = d, .state = DISPATCH_STARTED, .ops_milli = OPS_BURST(d) * 1000ULL};
}

void dispatch_started(struct dispatch *dp)
{
	dp->state = DISPATCH_STARTED;
}

static bool ops_allow(struct dispatch *dp)
{
	uint64_t now = now_ms(), cap = OPS_BURST(dp->d) * 1000ULL;

	if (now > dp->ops_last_ms) {
		uint64_t add = (now - dp->ops_last_ms) * OPS_PER_SEC(dp->d);

		dp->ops_milli = add >= cap - dp->ops_milli ? cap : dp->ops_milli + add;
		dp->ops_last_ms = now;
	}
	if (dp->ops_milli < 1000)
		return false;
	dp->ops_milli -= 1000;
	return true;
}

/* READY: the child is sandboxed and serves. */
static int answer_ready(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	(void)fd;
	(void)msg;
	if (len != 1)
		return -EBADMSG;
	dp->state = DISPATCH_SERVING;
	return 0;
}

/* STATS: the child's counters; nothing goes back. */
static int answer_stats(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	(void)fd;
	return actmsg_decode_stats(&dp->cur, msg, len);
}

static void send_result(int fd, uint32_t seq, const struct proto_reply *rep)
{
	struct actmsg_result *res = calloc(1, sizeof(*res));
	uint8_t out[ACTMSG_MAX];
	size_t n = 0;

	if (res == NULL)
		return; /* the child answers INTERNAL when its time is up */
	res->seq = seq;
	res->rep = *rep;
	if (actmsg_encode_result(out, &n, res) == 0)
		send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	sodium_memzero(out, sizeof(out));
	sodium_memzero(res, sizeof(*res));
	free(res);
}

/* An operation: decoded strictly, limited, carried out, answered with a
 * RESULT of the same seq. */
static int answer_op(struct dispatch *dp, int fd, enum actmsg_type type, const uint8_t *msg,
		     size_t len, ops_fn fn)
{
	struct actmsg_op *op = calloc(1, sizeof(*op));
	struct actmsg_result *res = calloc(1, sizeof(*res));
	uint8_t out[ACTMSG_MAX];
	size_t n = 0;
	int ret = -EBADMSG;

	if (op == NULL || res == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (actmsg_decode_op(op, type, msg, len) < 0)
		goto fail;
	res->seq = op->seq;
	if (!ops_allow(dp)) {
		dp->ops_limited++;
		res->rep.status = PROTO_ERR_RATE_LIMITED;
	} else if (fn(dp->d, op, &res->rep) < 0) {
		memset(&res->rep, 0, sizeof(res->rep));
		res->rep.status = PROTO_ERR_INTERNAL;
	}
	ret = actmsg_encode_result(out, &n, res);
	if (ret == 0)
		send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	sodium_memzero(out, sizeof(out));
fail:
	if (op != NULL)
		sodium_memzero(op, sizeof(*op));
	if (res != NULL)
		sodium_memzero(res, sizeof(*res));
	free(op);
	free(res);
	return ret;
}

/* ACTIVATE: as answer_op, but what is granted waits in the batch for
 * its records to reach the disk (dispatch_flush). */
static int answer_activate(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	struct actmsg_op *op = calloc(1, sizeof(*op));
	int ret = -EBADMSG;

	if (op == NULL)
		return -ENOMEM;
	if (actmsg_decode_op(op, ACTMSG_ACTIVATE, msg, len) < 0)
		goto out;
	if (dp->n_wait == DISPATCH_BATCH)
		dispatch_flush(dp, fd);
	dp->wait[dp->n_wait].seq = op->seq;
	memset(&dp->wait[dp->n_wait].rep, 0, sizeof(dp->wait[0].rep));
	ret = 0;
	if (!ops_allow(dp)) {
		dp->ops_limited++;
		dp->wait[dp->n_wait].rep.status = PROTO_ERR_RATE_LIMITED;
	} else if (opact_begin(dp->d, op, &dp->wait[dp->n_wait].rep, &dp->wait[dp->n_wait].a) ==
		   1) {
		dp->n_wait++;
		goto out;
	}
	send_result(fd, op->seq, &dp->wait[dp->n_wait].rep);
	sodium_memzero(&dp->wait[dp->n_wait].rep, sizeof(dp->wait[0].rep));
out:
	sodium_memzero(op, sizeof(*op));
	free(op);
	return ret;
}

void dispatch_flush(struct dispatch *dp, int fd)
{
	int committed;

	/* A key locked in this turn is locked on the other gateways before
	 * its next try there. */
	if (dp->d->store != NULL)
		storesync_lockouts(dp->d, 0);
	if (dp->n_wait == 0)
		return;
	/* A shared store takes the batch's counters first, in one round
	 * trip: what it refuses is answered below without a record. */
	if (dp->d->store != NULL) {
		struct opact *v[DISPATCH_BATCH];

		for (size_t i = 0; i < dp->n_wait; i++)
			v[i] = &dp->wait[i].a;
		opact_take(dp->d, v, dp->n_wait);
	}
	committed = journal_commit(&dp->d->journal);
	if (committed < 0)
		log_error("cannot write %s: %s; %zu activations refused", dp->d->journal.path,
			  strerror(-committed), dp->n_wait);
	/* Undone newest first: each undo restores what the one before it
	 * left. Each answer goes once its peer is on the interface. */
	for (size_t k = 0; k < dp->n_wait; k++) {
		size_t i = committed < 0 ? dp->n_wait - 1 - k : k;

		opact_end(dp->d, &dp->wait[i].a, committed, &dp->wait[i].rep);
		send_result(fd, dp->wait[i].seq, &dp->wait[i].rep);
		sodium_memzero(&dp->wait[i].rep, sizeof(dp->wait[i].rep));
	}
	dp->n_wait = 0;
}

static int answer_enroll(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	return answer_op(dp, fd, ACTMSG_ENROLL, msg, len, ops_enroll);
}

static int answer_add_key(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	return answer_op(dp, fd, ACTMSG_ADD_KEY, msg, len, ops_add_key);
}

static int answer_deactivate(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	return answer_op(dp, fd, ACTMSG_DEACTIVATE, msg, len, ops_deactivate);
}

static int answer_status(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	return answer_op(dp, fd, ACTMSG_STATUS, msg, len, ops_status);
}

/* WEB_REQ: one call of the web page, under the same limit as the UDP
 * port's operations; answered with a WEB_RESULT. */
static int answer_web(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	struct webmsg_req *q = calloc(1, sizeof(*q));
	struct webmsg_result *res = calloc(1, sizeof(*res));
	uint8_t *out = malloc(WEBMSG_MAX);
	size_t n = 0;
	int ret = -EBADMSG;

	if (q == NULL || res == NULL || out == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (webmsg_decode_req(q, msg, len) < 0)
		goto fail;
	res->seq = q->seq;
	if (!ops_allow(dp)) {
		dp->ops_limited++;
		res->status = 429;
		res->body_len = (size_t)snprintf(res->body, sizeof(res->body),
						 "{\"ok\":false,\"error\":\"rate_limited\"}");
	} else if ((ret = webops_answer(dp->d, q, res)) < 0) {
		goto fail;
	}
	ret = webmsg_encode_result(out, &n, res);
	if (ret == 0)
		send(fd, out, n, MSG_NOSIGNAL | MSG_DONTWAIT);
fail:
	if (q != NULL)
		sodium_memzero(q, sizeof(*q));
	free(q);
	free(res);
	free(out);
	return ret;
}

/* MAIL_REFUSED: a refused mail login, audited; nothing goes back. */
static int answer_mail_refused(struct dispatch *dp, int fd, const uint8_t *msg, size_t len)
{
	(void)fd;
	return mailtab_refused(dp->d->mailtab, msg, len);
}

#define STARTED DISPATCH_STARTED
#define SERVING DISPATCH_SERVING

/* Everything the network child may say to the monitor. The monitor says
 * INIT (privsep.c) and RESULT (answer_op); the child never may. */
static const struct {
	enum actmsg_type type;
	unsigned states; /* a mask of enum dispatch_state */
	int (*answer)(struct dispatch *dp, int fd, const uint8_t *msg, size_t len);
	const char *malformed; /* the violation when answer says -EBADMSG */
} table[] = {
	{ACTMSG_READY, STARTED, answer_ready, "unexpected"},
	{ACTMSG_STATS, STARTED | SERVING, answer_stats, "bad-stats"},
	{ACTMSG_ACTIVATE, SERVING, answer_activate, "bad-request"},
	{ACTMSG_ENROLL, SERVING, answer_enroll, "bad-request"},
	{ACTMSG_ADD_KEY, SERVING, answer_add_key, "bad-request"},
	{ACTMSG_DEACTIVATE, SERVING, answer_deactivate, "bad-request"},
	{ACTMSG_STATUS, SERVING, answer_status, "bad-request"},
	{ACTMSG_WEB_REQ, SERVING, answer_web, "bad-web-request"},
	{ACTMSG_MAIL_REFUSED, SERVING, answer_mail_refused, "bad-mail-refusal"},
};

void dispatch_violation(struct dispatch *dp, const char *why)
{
	dp->violations++;
	audit_event("netchild-violation", "reason", why, NULL);
}

int dispatch_message(struct dispatch *dp, int fd, const uint8_t *msg, size_t len, const char **why)
{
	int type = actmsg_type(msg, len), ret;

	*why = NULL;
	/* What another message does may touch what the batch holds (a
	 * session, a counter): the batch is answered first. */
	if (type != ACTMSG_ACTIVATE && type != ACTMSG_STATS)
		dispatch_flush(dp, fd);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if ((int)table[i].type != type)
			continue;
		if ((table[i].states & dp->state) == 0)
			break;
		ret = table[i].answer(dp, fd, msg, len);
		if (ret != -EBADMSG)
			return ret;
		*why = table[i].malformed;
		dispatch_violation(dp, *why);
		return -EBADMSG;
	}
	*why = "unexpected";
	dispatch_violation(dp, *why);
	return -EBADMSG;
}

void dispatch_status_fields(const struct dispatch *dp, struct strbuf *o)
{
	ctl_add_fieldf(o, "netchild-violations", "%llu", (unsigned long long)dp->violations);
	ctl_add_fieldf(o, "act-monitor-limited", "%llu", (unsigned long long)dp->ops_limited);
}

/* SPDX-License-Identifier: ISC */
/*
 * The network child's side of the monitor's dispatch table
 * (monitor/dispatch.c), as OpenSSH's monitor_wrap.c is of its monitor.c:
 * one function per message the child may send, and the INIT it reads
 * first. A new message is a row and an answer there and a wrapper here.
 *
 * The wrappers of the operations do not wait: the child sends each
 * request as it opens it, and the monitor answers several behind one
 * fdatasync of its journal (group commit). A RESULT is matched to its
 * request by seq and kept until the child's loop takes it
 * (monwrap_answered), whenever it comes: read by the loop
 * (monwrap_result) or while the web page's call waits for its own answer.
 * The wrappers return 0 when the request is on its way; -EMSGSIZE or
 * -EBUSY when this request failed (the client hears INTERNAL); -EPIPE
 * when the monitor is gone and -EIO when its socket failed otherwise:
 * either way the child's work is over.
 */
#ifndef VPND_MONWRAP_H
#define VPND_MONWRAP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/actmsg.h"

/* Requests that wait for their RESULT, at most: as many as the
 * activation server keeps (ACTSERVER_PENDING). */
#define MONWRAP_PENDING 64

struct monwrap_pending {
	bool used, answered;
	uint32_t seq;
	unsigned slot;        /* the caller's name for it */
	uint64_t deadline_ms; /* CLOCK_BOOTTIME: INTERNAL after that */
	struct proto_reply rep;
};

struct monwrap {
	int fd;       /* the child's end of the socketpair */
	uint32_t seq; /* of the last request */
	struct monwrap_pending pending[MONWRAP_PENDING];
	/* With the web page: room for a WEB_CONF (WEBMSG_CONF_MAX bytes).
	 * One that comes while a wrapper waits for its answer is kept here
	 * (conf_len > 0) for the child's loop, not dropped as a late answer. */
	uint8_t *conf;
	size_t conf_len;
	/* With mail logins: room for a MAIL_TABLE (MAILMSG_TABLE_MAX bytes)
	 * and what takes it. One that comes while a wrapper waits is applied
	 * at once: a session's end must not wait for the loop. */
	uint8_t *table;
	void (*on_table)(void *arg, const uint8_t *msg, size_t len);
	void *table_arg;
};

/* Waits for INIT, the first message; 0, -ETIMEDOUT, -EPIPE or -EBADMSG. */
int monwrap_read_init(struct monwrap *mw, struct actmsg_init *init);
/* READY once, when sandboxed (0, -EPIPE or -EIO); STATS at any time,
 * without waiting: a count the socket has no room for goes with the next. */
int monwrap_ready(struct monwrap *mw);
void monwrap_stats(struct monwrap *mw, const struct actstats *st);

/* The operations, sent without waiting: op->seq is set here; slot names
 * the request in monwrap_answered. */
int monwrap_activate(struct monwrap *mw, struct actmsg_op *op, unsigned slot);
int monwrap_enroll(struct monwrap *mw, struct actmsg_op *op, unsigned slot);
int monwrap_add_key(struct monwrap *mw, struct actmsg_op *op, unsigned slot);
int monwrap_deactivate(struct monwrap *mw, struct actmsg_op *op, unsigned slot);
int monwrap_status(struct monwrap *mw, struct actmsg_op *op, unsigned slot);
/* A RESULT the loop read: kept for its request. A late one (its request
 * timed out) or one for no request is dropped. */
void monwrap_result(struct monwrap *mw, const uint8_t *msg, size_t len);
/* One request that is over: answered (true, *rep filled, *failed false)
 * or past its time (*failed true); false when none is. */
bool monwrap_answered(struct monwrap *mw, uint64_t now_ms, unsigned *slot, struct proto_reply *rep,
		      bool *failed);

struct webmsg_req;
struct webmsg_result;
/* One call of the web page (WEB_REQ); blocks for the WEB_RESULT as the
 * operations do. */
int monwrap_web(struct monwrap *mw, struct webmsg_req *q, struct webmsg_result *res);
/* The WEB_CONF that follows INIT when the web page is on: its length in
 * buf, or -errno. */
int monwrap_read_web_conf(struct monwrap *mw, uint8_t *buf, size_t cap);

struct mailmsg_refused;
/* A refused mail login, for the audit: sent without waiting, as STATS. */
void monwrap_mail_refused(struct monwrap *mw, const struct mailmsg_refused *r);
/* The MAIL_TABLE that follows INIT (and WEB_CONF) when a mail policy is
 * on: its length in mw->table, or -errno. */
int monwrap_read_mail_table(struct monwrap *mw);

#endif

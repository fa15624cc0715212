/* SPDX-License-Identifier: ISC */
/* What the control-request handlers share (handlers.c dispatches). */
#ifndef VPND_HANDLERS_H
#define VPND_HANDLERS_H

#include <sys/types.h>

#include "gateway/ctl.h"
#include "base/strbuf.h"
#include "monitor/vpnd.h"

struct hctx {
	struct vpnd *d;
	const struct ctl_request *req;
	uid_t uid;
	pid_t pid;
	struct strbuf *out;
	char err[ERR_LEN];
	char by[32]; /* "admin" */
};

/* Sets the error line; returns -1 for `return herr(...)`. */
int herr(struct hctx *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Checks the positional count (after the command words) and that every
 * option is one of the NULL-terminated list. */
int hcheck(struct hctx *h, int words, int args, ...) __attribute__((sentinel));
/* The peer named by args[i], or an error. */
struct reg_peer *hpeer(struct hctx *h, int i);
/* Durations from options: "-" (inherit) and "off" (idle only) allowed. */
int hduration(struct hctx *h, const char *opt, int64_t *out, bool allow_off);
/* Saves the registry or sets the error. */
int hsave(struct hctx *h);
/* Fields of a peer record (list and show). */
void hpeer_record(struct hctx *h, const struct reg_peer *p, bool full);
void hsession_fields(struct hctx *h, const struct session *s);

int h_peer_add(struct hctx *h);
int h_peer_list(struct hctx *h);
int h_peer_show(struct hctx *h);
int h_peer_remove(struct hctx *h);
int h_peer_disable(struct hctx *h);
int h_peer_enable(struct hctx *h);
int h_owner_add(struct hctx *h);
int h_owner_list(struct hctx *h);
int h_owner_show(struct hctx *h);
int h_owner_set(struct hctx *h);
int h_key_list(struct hctx *h);
int h_key_revoke(struct hctx *h);
int h_key_unlock(struct hctx *h);
int h_session_list(struct hctx *h);
int h_session_kill(struct hctx *h);
int h_session_open(struct hctx *h);
int h_status(struct hctx *h);

#endif

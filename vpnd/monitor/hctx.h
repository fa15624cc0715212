/* SPDX-License-Identifier: ISC */
/*
 * What the control requests' handlers (handle_*.c) share: the context of
 * one request and the checks every handler makes. A handler returns 0, or
 * a negative errno with its one line for the admin in h->err (hctx_err);
 * handlers.c sends that line as the error reply.
 */
#ifndef VPND_HCTX_H
#define VPND_HCTX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"
#include "gateway/ctl.h"
#include "monitor/daemon.h"

struct hctx {
	struct vpnd *d;
	const struct ctl_request *req;
	uid_t uid;
	pid_t pid;
	struct strbuf *out;
	char err[ERR_LEN];
	char by[32]; /* "admin" */
};

/* Sets the error line; returns ret (a negative errno), for
 * `return hctx_err(h, -EINVAL, ...)`. */
int hctx_err(struct hctx *h, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Checks the positional count (after the command words) and that every
 * option is one of the NULL-terminated list; -EINVAL. */
int hctx_check(struct hctx *h, int words, int args, ...) __attribute__((sentinel));
/* The peer or owner named by args[i]; -ENOENT when there is none. */
int hctx_peer(struct hctx *h, int i, struct reg_peer **out);
int hctx_owner(struct hctx *h, int i, struct reg_owner **out);
/* Durations from options: "-" (inherit) and "off" (idle only) allowed;
 * *out untouched when the option is absent. -EINVAL. */
int hctx_duration(struct hctx *h, const char *opt, int64_t *out, bool allow_off);
/* Saves the registry, or says the change is live but not saved. */
int hctx_save(struct hctx *h);
/* Adds to the record in h->out the enrollment URI of a code for p, made
 * by registry_code_create (fields uri and uri-expires). Unless the code is
 * for key recovery, the URI names the owner's active keys (key=), one of
 * which must sign the enrollment of a new one (docs/protocol.md 6.3). */
void hctx_code_uri(struct hctx *h, const struct reg_peer *p, const char *code, bool new_key);
/* Removes the peer's pending codes, audited with the reason; how many. */
size_t hctx_code_void(struct hctx *h, const struct reg_peer *p, const char *reason);

#endif

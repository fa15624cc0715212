/* SPDX-License-Identifier: ISC */
/*
 * The activation operations, in the monitor (docs/protocol.md 6): one per
 * request message of the network child, each the answer of a row of the
 * dispatch table (dispatch.c). Each fills rep: PROTO_OK and its fields, or
 * a refusal, audited with its reason; 0, or a negative errno when no reply
 * could be made (the client hears INTERNAL).
 */
#ifndef VPND_OPS_H
#define VPND_OPS_H

#include <stdbool.h>

#include "common/actmsg.h"
#include "monitor/daemon.h"

int ops_enroll(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_add_key(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_deactivate(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_status(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);

/* For the activation (opact.c), which is an operation in two halves. */
/* Audits a refusal and sets rep's status; returns 0: a refusal is an
 * answer. src: the source the child reports. */
int ops_refuse(struct proto_reply *rep, enum proto_err code, const char *op, const char *peer,
	       const uint8_t src[18]);
/* The peer a request names; NULL when there is none by that key or name. */
struct reg_peer *ops_target(struct vpnd *d, const struct proto_request *req);
/* What the child sent decoded strictly, checked again: true when the
 * request is refused for its form (rep says so). */
bool ops_malformed(const struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
/* A reply's peer, owner and session fields. */
void ops_fill_session(struct proto_reply *rep, const struct reg_peer *p, const struct session *s);

#endif

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

#include "common/actmsg.h"
#include "monitor/daemon.h"

int ops_activate(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_enroll(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_add_key(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_deactivate(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);
int ops_status(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep);

#endif

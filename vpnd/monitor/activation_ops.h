/* SPDX-License-Identifier: ISC */
/* What the activation operations (activation_ops.c) take from the monitor's
 * side of the port and its checks (activation.c). */
#ifndef VPND_ACTIVATION_OPS_H
#define VPND_ACTIVATION_OPS_H

#include "common/actmsg.h"
#include "proto/proto.h"
#include "state/registry.h"
#include "monitor/vpnd.h"

#define ACTIVATION_RP_ID PROTO_DEFAULT_RP_ID

/* How the last session of a peer ended, for STATUS. */
struct end_note {
	char peer[NAME_MAX_LEN + 1];
	uint8_t reason;
	uint64_t idle;
};

/* The vpnd that activation_open was given. */
struct vpnd *activation_vpnd(void);
/* The last end noted for peer, NULL if none is remembered. */
const struct end_note *activation_end_of(const char *peer);
/* Audits the refusal and sets rep's status; returns 0. */
int activation_refuse(struct proto_reply *rep, enum proto_err code, const char *op,
		      const char *peer, const uint8_t src[18]);
/* The peer a request names; NULL when there is none by that key or name. */
struct reg_peer *activation_target(const struct proto_request *req);
/* The assertion checks of docs/protocol.md 6.2, steps 2-4. A refusal for
 * a locked credential tells, in rep, when it unlocks. */
enum proto_err activation_check_assertion(const struct actmsg_op *op, struct reg_peer *p,
					  const char *purpose, const uint8_t *extra,
					  struct proto_reply *rep, struct reg_cred **out);

#endif

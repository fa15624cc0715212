/* SPDX-License-Identifier: ISC */
/*
 * The assertion checks of docs/protocol.md 6.2, steps 2-4, in the monitor,
 * as if the network child lied: the credential its owner's and not revoked
 * or locked (lockout.h), the challenge fresh by our own clock and not spent
 * before, the signature verified here against a clientDataHash we compute,
 * the counter growing. It keeps a verifier per credential key and the
 * challenges of verified assertions, both in tables of fixed size.
 */
#ifndef VPND_VERIFY_H
#define VPND_VERIFY_H

#include <stdint.h>

#include "common/actmsg.h"
#include "monitor/daemon.h"
#include "proto/proto.h"

#define VERIFY_RP_ID PROTO_DEFAULT_RP_ID

struct verify;

/* Every clientDataHash names the activation key the request was made
 * under: actport.h gives it. rate: ActivationRate, which sizes the table
 * of spent challenges. */
int verify_create(struct verify **out, uint32_t rate);
void verify_destroy(struct verify **v);

/* The checks for the request op on peer p (d->verify, d->lockout). purpose
 * and extra go into the clientDataHash. On PROTO_OK the challenge is spent,
 * *out is the credential and *counter its new sign count, which the caller
 * stores only together with the rest of the operation (ops.c: what cannot
 * be saved is not accepted); a refusal for a locked credential tells, in
 * rep, when it unlocks. */
enum proto_err verify_assertion(struct vpnd *d, const struct actmsg_op *op, struct reg_peer *p,
				const char *purpose, const uint8_t *extra, struct proto_reply *rep,
				struct reg_cred **out, uint32_t *counter);
/* The verifier of credential c, its key imported once and cached; NULL
 * for a key libfido2 refuses. For the web page's assertions (webact.c). */
struct assertion_verifier *verify_verifier(struct verify *v, const struct reg_owner *o,
					   const struct reg_cred *c);
/* The rp ID of new credentials: [Web] Domain when set (one key then works
 * in enroll and in the browser), else VERIFY_RP_ID. */
const char *verify_rp_id(const struct vpnd *d);
/* Refusals because the credential was locked, since start. */
uint64_t verify_locked_refusals(const struct verify *v);

#endif

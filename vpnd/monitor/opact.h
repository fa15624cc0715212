/* SPDX-License-Identifier: ISC */
/*
 * The ACTIVATE operation in two halves, for a group commit (dispatch.c):
 * opact_begin checks the request and the assertion, grows the counter and
 * opens the session in memory, and leaves their records pending in the
 * journal; the dispatcher then commits the journal once for every
 * activation of one loop turn (one write, one fdatasync), and opact_end
 * with that verdict puts the peer on the interface and fills the reply,
 * or undoes the activation and refuses it with STATE_NOT_SAVED. With a
 * shared store the counters are taken there first, for the whole batch in
 * one transaction (opact_take), and the journal's records follow. No answer
 * goes out before its records are on disk. Activations whose commit
 * failed are ended in the reverse order of their begin.
 *
 * Below dispatch.c; above ops.c (its helpers), verify.c and gate.c.
 */
#ifndef VPND_OPACT_H
#define VPND_OPACT_H

#include <stdbool.h>

#include "common/actmsg.h"
#include "monitor/daemon.h"
#include "monitor/gate.h"

struct opact {
	struct reg_peer *p;
	struct reg_cred *c;
	uint32_t prev;          /* the counter before */
	uint32_t count;         /* the assertion's: prev, or the grown counter */
	enum proto_err refused; /* by the store (opact_take), answered by opact_end */
	bool open_failed;       /* the session was refused before the journal */
	uint8_t src[18];        /* for the audit */
	uint8_t psk[KEY_LEN];   /* a laptop's, for this session */
	char by[SESSION_BY_LEN];
	struct gate_open go;
	struct gate_pending g;
};

/* 0 with rep filled: answered already (a refusal). 1: its records wait in
 * the journal; opact_end answers after the commit. */
int opact_begin(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep,
		struct opact *a);
/* With a shared store: the batch's grown counters (and the sessions they
 * grant) taken there in one transaction, before the journal's commit;
 * then each activation the store did not refuse opened as opact_begin
 * opens it without a store. The store failing refuses them all. */
void opact_take(struct vpnd *d, struct opact *const *v, size_t n);
/* committed: journal_commit's verdict. Wipes a. */
void opact_end(struct vpnd *d, struct opact *a, int committed, struct proto_reply *rep);

#endif

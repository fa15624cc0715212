/* SPDX-License-Identifier: ISC */
/*
 * The ACTIVATE operation in two halves, for a group commit (dispatch.c):
 * opact_begin checks the request and the assertion, grows the counter and
 * opens the session in memory, and leaves their records pending in the
 * journal; the dispatcher then commits the journal once for every
 * activation of one loop turn (one write, one fdatasync), and opact_end
 * with that verdict puts the peer on the interface and fills the reply,
 * or undoes the activation and refuses it with STATE_NOT_SAVED. No answer
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
	uint32_t prev;        /* the counter before */
	bool open_failed;     /* the session was refused before the journal */
	uint8_t src[18];      /* for the audit */
	uint8_t psk[KEY_LEN]; /* a laptop's, for this session */
	char by[SESSION_BY_LEN];
	struct gate_open go;
	struct gate_pending g;
};

/* 0 with rep filled: answered already (a refusal). 1: its records wait in
 * the journal; opact_end answers after the commit. */
int opact_begin(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep,
		struct opact *a);
/* committed: journal_commit's verdict. Wipes a. */
void opact_end(struct vpnd *d, struct opact *a, int committed, struct proto_reply *rep);

#endif

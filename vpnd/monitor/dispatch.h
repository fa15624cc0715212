/* SPDX-License-Identifier: ISC */
/*
 * The monitor's answers to the network child, through one table of
 * {message type, states in which it is allowed, answer} (dispatch.c), as
 * OpenSSH's monitor.c answers its child through mon_dispatch[]. The
 * table is everything the unprivileged side can ask for; the child's side
 * of each row is its wrapper in netchild/monwrap.c. A message of an
 * unknown type, one not allowed in the child's state, or a malformed one
 * is a violation: counted, audited (event=netchild-violation), and the
 * child is restarted (privsep.c).
 */
#ifndef VPND_DISPATCH_H
#define VPND_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/actstats.h"
#include "monitor/daemon.h"
#include "monitor/opact.h"

enum dispatch_state {
	DISPATCH_STARTED = 1 << 0, /* exec'd and sandboxing itself: READY is due */
	DISPATCH_SERVING = 1 << 1, /* READY came: it serves the port */
};

/* Activations answered together behind one fdatasync, at most. */
#define DISPATCH_BATCH 32

struct dispatch {
	struct vpnd *d; /* what the operations answer from */
	enum dispatch_state state;
	struct actstats cur;             /* the running child's counters, as it last sent them */
	uint64_t violations;             /* messages refused, of every child */
	uint64_t ops_limited;            /* requests refused by the monitor's own limit */
	uint64_t ops_milli, ops_last_ms; /* that limit's token bucket */
	/* This loop turn's activations, their records pending in the
	 * journal: answered by dispatch_flush. */
	size_t n_wait;
	struct {
		uint32_t seq;
		struct proto_reply rep;
		struct opact a;
	} wait[DISPATCH_BATCH];
};

/* Its counters from zero, for a child that has yet to start. */
void dispatch_init(struct dispatch *dp, struct vpnd *d);
/* A child was started: READY is due. */
void dispatch_started(struct dispatch *dp);
/* One message of the child, read from fd, where the answer goes. 0: its
 * row answered it. -EBADMSG: refused, counted and audited, *why says why
 * (the caller restarts the child). Another negative errno: no answer could
 * be made (out of memory); not the child's fault. */
int dispatch_message(struct dispatch *dp, int fd, const uint8_t *msg, size_t len, const char **why);
/* The group commit: the activations dispatch_message took since the last
 * flush, their journal records written with one write and one fdatasync,
 * then each peer put on the interface and answered (or each undone and
 * refused when the journal could not be written). Due after the messages
 * of one loop turn, before anything else may touch the journal; the
 * table flushes by itself before a message of another kind. */
void dispatch_flush(struct dispatch *dp, int fd);
/* A violation found before the table could look (a message too long):
 * counted and audited as the table's are. */
void dispatch_violation(struct dispatch *dp, const char *why);
/* netchild-violations and act-monitor-limited, for `vpnd status`. */
struct strbuf;
void dispatch_status_fields(const struct dispatch *dp, struct strbuf *o);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The monitor's side of privilege separation (docs/privsep.md): it runs
 * the network child (vpnd/netchild.c), answers its requests through an
 * allow-list of message types, restarts it with backoff when it dies or
 * breaks the protocol, and keeps its counters across restarts. Sessions
 * and the interface never depend on the child: it holds neither.
 */
#ifndef VPND_PRIVSEP_H
#define VPND_PRIVSEP_H

#include <stdint.h>

#include "netchild/actserver.h"
#include "monitor/vpnd.h"

/* Before privileges go: takes the bound UDP socket, opens vpnd's own
 * executable and the empty directory the child chroots into, picks the
 * child's ids. */
int privsep_open(struct vpnd *d, int udp_fd, const uint8_t act_sk[KEY_LEN]);
/* The monitor's own drop of privileges (vpnd/sandbox.c), then the first
 * child. */
int privsep_start(struct vpnd *d);
/* Stops the child (its socket closes; it exits) and waits for it. */
void privsep_close(struct vpnd *d);
/* The packet counters of every child so far. */
const struct actserver_stats *privsep_stats(void);
struct strbuf;
void privsep_status_fields(struct strbuf *o);

#endif

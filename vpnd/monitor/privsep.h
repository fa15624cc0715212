/* SPDX-License-Identifier: ISC */
/*
 * The network child's life, in the monitor (docs/privsep.md): it binds the
 * activation port, runs the child (netchild/), reads its socket and hands
 * each message to the dispatch table (dispatch.h), restarts it with backoff
 * when it dies or breaks the protocol, and keeps its counters across
 * restarts. Sessions and the interface never depend on the child: it
 * holds neither.
 */
#ifndef VPND_PRIVSEP_H
#define VPND_PRIVSEP_H

#include "common/actstats.h"
#include "monitor/daemon.h"

struct privsep;

/* Before privileges go: binds the UDP port, opens vpnd's own executable
 * and the empty directory the child chroots into, picks the child's ids. */
int privsep_open(struct privsep **out, struct vpnd *d);
/* The monitor's own drop of privileges (drop.h), then the first child. */
int privsep_start(struct privsep *ps);
/* SIGHUP: the web page's certificate and key read again and sent to the
 * running child, which restarts its server on the same socket. */
int privsep_web_reload(struct privsep *ps);
/* Stops the child (its socket closes; it exits), waits for it, frees. */
void privsep_close(struct privsep **ps);
/* Ends the running child and starts a new one at once, with the keys of
 * now (actport.h); why goes to the audit line. */
void privsep_restart(struct privsep *ps, const char *why);
/* The packet counters of every child so far. */
const struct actstats *privsep_stats(struct privsep *ps);
struct strbuf;
/* The packet counters as control-protocol fields (act-received ...). */
void privsep_act_fields(struct privsep *ps, struct strbuf *o);
/* The child: netchild-pid, -user, -restarts, -violations, and the
 * monitor's own limit (act-monitor-limited). */
void privsep_status_fields(const struct privsep *ps, struct strbuf *o);
/* A METRICS message (common/metricsmsg.h) to the running child, with
 * [Metrics] and once it serves; dropped otherwise, never waited for. */
void privsep_metrics_push(struct privsep *ps, const uint8_t *msg, size_t len);
/* The child's restarts and the messages refused from it, since start. */
void privsep_counts(const struct privsep *ps, uint64_t *restarts, uint64_t *violations);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The kernel side of sessions: keygate's nftables table (firewall.h) kept
 * in step with vpnd's sessions. gate.c puts a peer on the interface and
 * its addresses in the window sets; either wall alone keeps mail closed
 * outside a window. The table is installed before vpnd serves, checked
 * twice a second (and restored when it was changed behind vpnd's back), and
 * never removed: when vpnd stops, windows and idle timeouts still end in
 * the kernel.
 *
 * d->fw is NULL only with [Firewall] Enforce = no and a kernel that would
 * not take the table; every function here is then a no-op that succeeds.
 *
 * Below gate.c; above the firewall modules, audit.c and loop.c.
 */
#ifndef VPND_FWGATE_H
#define VPND_FWGATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/text.h"
#include "monitor/daemon.h"

/* At start, before vpnd serves: the table in place and its sets equal to
 * the live sessions. A table that survived unchanged keeps its idle
 * elements (idleness that ran out while vpnd was down stays run out); any
 * other table is replaced. 0, or -errno after one line logged: vpnd must
 * not start (Enforce = no turns that into one loud warning and 0). Arms
 * the self-check, twice a second. */
int fwgate_start(struct vpnd *d);
/* Closes the handle; the table stays. */
void fwgate_stop(struct vpnd *d);
/* A session opened or extended: its address into the window set for what
 * is left of its window, its idle element restarted. 0 or -errno with err
 * (with Enforce = no a failure is logged and 0). */
int fwgate_add(struct vpnd *d, const struct session *s, uint64_t now, char err[ERR_LEN]);
/* Sessions ended: their addresses out of the sets in one transaction. A
 * failure is logged and left to the self-check, which reconciles the sets
 * within a second (the peers are off the interface meanwhile). */
int fwgate_del(struct vpnd *d, const struct ipaddr *addrs, size_t n);
/* What the kernel's idle elements of the session have left: 1 while one is
 * there (and in *left_ns when to look again: the first to run out), 0 once
 * all ran out, -errno when the kernel cannot be asked (or there is no
 * table). An element of one family that ran out while the other's lives is
 * put back with the live one's time. */
int fwgate_idle_left(struct vpnd *d, const struct session *s, uint64_t *left_ns);
/* The self-check's timer: the table compared with what it must be; any
 * difference audited and the table restored at once. */
int fwgate_timer_cb(int fd, uint32_t events, void *data);

#endif

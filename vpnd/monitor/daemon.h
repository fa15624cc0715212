/* SPDX-License-Identifier: ISC */
/*
 * The running gateway: what `vpnd run` holds. Everything runs in one thread
 * around one event loop (monitor/loop.h); every module takes this struct
 * (or a struct of its own that points to it) as its first argument, so a
 * test can build one.
 *
 * The monitor's modules, in layers: each calls only those below it.
 *
 *   run.c          start, stop, reload, signals
 *   control.c      the control socket (root's clients)
 *   handlers.c     the control requests' table
 *   handle_*.c     one group of control requests each
 *   hctx.c         what the control handlers share
 *   metrics.c      the numbers of [Metrics], pushed to the child
 *   privsep.c      the network child's life: start, restart, counters
 *   dispatch.c     the child's requests' table: type, states, answer
 *   opact.c        ACTIVATE in two halves around the batch's commit
 *   ops.c          the activation operations (enroll, status, ...)
 *   verify.c       assertion checks: verifiers, spent challenges
 *   lockout.c, assertion.c, actport.c
 *   storesync.c    other gateways' changes from the shared store; an
 *                  activation's counter and session into it
 *   gate.c         sessions on the interface, their timer
 *   fwgate.c       sessions in the kernel's table; its self-check
 *   mailtab.c      mail logins: the child's table, refusals
 *   iface.c        the interface at start: reconcile, configure
 *   fwconf.c, firewall*.c  the nftables table (firewall.h)
 *   ends.c, daemon.c, dbstore.c, drop.c, childroot.c, audit.c, loop.c, notify.c,
 *   rtnl.c
 *   state/ (registry, sessions), common/, lib/
 */
#ifndef VPND_DAEMON_H
#define VPND_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/key.h"
#include "base/text.h"
#include "gateway/conf.h"
#include "monitor/loop.h"
#include "state/journal.h"
#include "state/registry.h"
#include "state/session.h"

struct actport;
struct ends;
struct lockout;
struct verify;
struct privsep;
struct notify;
struct firewall;
struct web;
struct mailtab;
struct dbstore;

struct vpnd {
	struct conf conf;
	char conf_path[PATH_MAX];
	char boot_id[BOOT_ID_LEN + 1];
	uint8_t private_key[KEY_LEN];
	uint8_t public_key[KEY_LEN];
	struct registry *reg;
	struct sessions sessions;
	char sessions_path[PATH_MAX + 16];
	struct journal journal; /* what activations change (state/journal.h) */
	int state_lock;         /* the state directory, flocked while vpnd runs */
	struct loop *loop;
	struct loop_source *timer;
	struct loop_source *signals;
	struct loop_source *listener;
	unsigned n_clients;
	bool sweep; /* removing ended peers failed: retry iface_reconcile each second */
	bool quit;
	int64_t started_wall;
	uint64_t refused;             /* control requests refused */
	struct ends *ends;            /* how sessions ended, for STATUS (ends.h) */
	struct lockout *lockout;      /* credentials locked after failures (lockout.h) */
	struct verify *verify;        /* the assertion checks' caches (verify.h) */
	struct privsep *privsep;      /* the network child (privsep.h) */
	struct notify *notify;        /* systemd's readiness and watchdog (notify.h) */
	struct actport *actport;      /* the activation keys (actport.h) */
	struct web *web;              /* the web page's secret and counters (web.h) */
	struct mailtab *mailtab;      /* mail logins' listeners and table (mailtab.h) */
	struct firewall *fw;          /* table inet keygate (fwgate.h); NULL: Enforce = no
				       * and the kernel would not take it */
	struct loop_source *fw_timer; /* the table's self-check, twice a second */
	bool fw_dirty;                /* removing ended sessions' elements failed: reconcile */
	bool fw_clean;                /* the table checked clean at nf_tables generation fw_gen */
	uint32_t fw_gen;
	struct loop_source *metrics_timer; /* [Metrics]: the push to the child (metrics.h) */
	struct dbstore *store;             /* [Store] Type = postgresql (dbstore.h), else NULL */
	struct loop_source *store_timer;   /* reconnects to the store while it is down */
};

/* Saves the registry: to the shared store first when there is one, then
 * the files; logs and returns -errno on failure. */
int daemon_save_registry(struct vpnd *d, char err[ERR_LEN]);
/* With a shared store: whether this gateway may grant anything new now
 * (PROTO_OK) or must refuse with PROTO_ERR_STORE_UNAVAILABLE. */
int daemon_store_ready(const struct vpnd *d);
/* With a shared store: takes the credential's grown sign counter there
 * before a grant is made with it, and with s (or NULL) the session it
 * grants, in one statement. PROTO_OK (or no store); COUNTER_REGRESSED
 * when another gateway took this counter or a later one first (a replay
 * or a cloned key); STORE_UNAVAILABLE. */
int daemon_store_counter(struct vpnd *d, const struct reg_owner *o, const struct reg_cred *c,
			 uint32_t count, const struct session *s);

#endif

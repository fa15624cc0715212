/* SPDX-License-Identifier: ISC */
/*
 * The kernel side of sessions (fwgate.h). What fails closed here:
 *  - no table at start: vpnd does not start (unless Enforce = no);
 *  - an open whose addresses cannot reach the window set: gate.c refuses
 *    the open, and the peer stays off the interface;
 *  - an end whose addresses cannot leave the sets: the peer is off the
 *    interface already, the element runs out at the window's end anyway,
 *    and the self-check reconciles the sets within a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "monitor/audit.h"
#include "monitor/firewall_check.h"
#include "monitor/firewall_session.h"
#include "monitor/fwconf.h"
#include "monitor/fwgate.h"

/* The sessions as the kernel must see them, at now. Window over: left
 * out (the timer ends them in a moment). fresh: the idle elements are set
 * from what vpnd knows of each session's activity, at least 1 ns. */
static int sessions_for_kernel(struct vpnd *d, uint64_t now, bool fresh,
			       struct firewall_session **out, size_t *n)
{
	struct firewall_session *fs = calloc(d->sessions.n + 1, sizeof(*fs));

	*n = 0;
	if (fs == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->sessions.n; i++) {
		const struct session *s = d->sessions.heap[i];
		struct firewall_session *f = &fs[*n];
		uint64_t idle_end = s->active_ns + s->idle_ns;

		if (s->until_ns <= now)
			continue;
		f->addrs = s->addrs;
		f->n_addrs = s->n_addrs;
		f->window_ns = s->until_ns - now;
		f->idle_ns = s->idle_ns;
		/* Ran out by vpnd's count: 1 ns, gone at once; the timer then
		 * finds the element gone and ends the session. */
		if (fresh && s->idle_ns != 0)
			f->idle_left_ns = idle_end > now ? idle_end - now : 1;
		(*n)++;
	}
	*out = fs;
	return 0;
}

static int reconcile(struct vpnd *d, unsigned flags, char err[ERR_LEN])
{
	struct firewall_session *fs = NULL;
	size_t n;
	int ret;

	ret = sessions_for_kernel(d, clock_boot_ns(), !(flags & FIREWALL_SESSION_KEEP_IDLE), &fs,
				  &n);
	if (ret < 0) {
		text_err(err, "nftables: reconciling the sessions: %s", strerror(-ret));
		return ret;
	}
	ret = firewall_session_reconcile(d->fw, fs, n, flags, err);
	free(fs);
	return ret;
}

/* Replaces the table and fills its sets: the way back from any damage. */
static int reinstall(struct vpnd *d, char err[ERR_LEN])
{
	int ret = firewall_install(d->fw, err);

	return ret < 0 ? ret : reconcile(d, 0, err);
}

/* Twice a second: a table deleted or changed is back within a second,
 * however the damage falls between two checks and whatever the restore
 * takes. A tick costs one netlink round trip (the nf_tables generation)
 * while nothing was committed in the namespace; the full check reads
 * chains, rules and set headers, never the sessions' elements, so neither
 * grows with the sessions (bench/README.md). */
#define SELF_CHECK_NS (NS_PER_SEC / 2)

static void arm(struct vpnd *d)
{
	loop_timer_set(d->fw_timer, clock_boot_ns() + SELF_CHECK_NS);
}

int fwgate_start(struct vpnd *d)
{
	struct firewall_config cfg;
	struct firewall_report r;
	char err[ERR_LEN];
	int ret;

	ret = fwconf_init(&cfg, &d->conf, err);
	if (ret < 0) {
		log_error("%s", err);
		return ret;
	}
	ret = firewall_create(&d->fw, &cfg, err);
	if (ret == 0)
		ret = firewall_check(d->fw, &r, err);
	if (ret == 0) {
		/* The table vpnd left, whole: its idle elements are the truth
		 * about the time vpnd was away. */
		ret = reconcile(d, FIREWALL_SESSION_KEEP_IDLE, err);
	} else if (ret > 0) {
		ret = reinstall(d, err);
		if (ret == 0)
			log_info("installed table inet " FIREWALL_TABLE " (found: %s)", r.line[0]);
	}
	if (ret < 0) {
		firewall_destroy(&d->fw);
		if (d->conf.fw_enforce) {
			log_error("%s: vpnd does not run without its firewall ([Firewall] Enforce)",
				  err);
			return ret;
		}
		log_warn("UNSAFE: running without the kernel wall ([Firewall] Enforce = no): %s; "
			 "windows end only while vpnd runs",
			 err);
		audit_event("firewall-off", "error", err, NULL);
		return 0;
	}
	d->fw_timer = loop_add_timer(d->loop, CLOCK_BOOTTIME, fwgate_timer_cb, d);
	if (d->fw_timer == NULL)
		return -errno;
	arm(d);
	return 0;
}

void fwgate_stop(struct vpnd *d)
{
	firewall_destroy(&d->fw);
}

/* With Enforce = no a failure does not stop anything: logged only. */
static int verdict(struct vpnd *d, int ret, const char *err)
{
	if (ret >= 0 || d->conf.fw_enforce)
		return ret;
	log_warn("%s (ignored: [Firewall] Enforce = no)", err);
	return 0;
}

int fwgate_add(struct vpnd *d, const struct session *s, uint64_t now, char err[ERR_LEN])
{
	struct firewall_session fs = {
		.addrs = s->addrs,
		.n_addrs = s->n_addrs,
		.window_ns = s->until_ns > now ? s->until_ns - now : 0,
		.idle_ns = s->idle_ns,
	};

	if (d->fw == NULL)
		return 0;
	return verdict(d, firewall_session_add(d->fw, &fs, err), err);
}

int fwgate_del(struct vpnd *d, const struct ipaddr *addrs, size_t n)
{
	char err[ERR_LEN];
	int ret;

	if (d->fw == NULL || n == 0)
		return 0;
	ret = firewall_session_del(d->fw, addrs, n, err);
	if (ret < 0) {
		log_error("%s; the self-check retries within a second", err);
		d->fw_dirty = true;
	}
	return ret;
}

int fwgate_idle_left(struct vpnd *d, const struct session *s, uint64_t *left_ns)
{
	uint64_t most = 0, least = UINT64_MAX;
	int alive = 0, gone = 0;

	*left_ns = 0;
	if (d->fw == NULL)
		return -ENOENT;
	/* Each family's element counts its own packets and runs out on its
	 * own, and the kernel never puts back one that ran out: traffic over
	 * either family keeps the session, so the other's element is put back
	 * with what the live one has left, and the next look is when the
	 * first of them would run out. */
	for (int i = 0; i < s->n_addrs; i++) {
		uint64_t left = 0;
		int ret = firewall_session_idle_left(d->fw, &s->addrs[i], &left);

		if (ret < 0)
			return ret;
		if (ret == 1 && left > 0) {
			alive++;
			most = left > most ? left : most;
			least = left < least ? left : least;
		} else {
			gone++;
		}
	}
	if (alive == 0)
		return 0;
	if (gone > 0) {
		uint64_t now = clock_boot_ns();
		struct firewall_session fs = {
			.addrs = s->addrs,
			.n_addrs = s->n_addrs,
			.window_ns = s->until_ns > now ? s->until_ns - now : 0,
			.idle_ns = s->idle_ns,
			.idle_left_ns = most,
		};
		char err[ERR_LEN];

		least = most;
		/* Not put back: look again in a second, not an idle period. */
		if (fs.window_ns > 0 &&
		    verdict(d, firewall_session_add(d->fw, &fs, err), err) < 0) {
			log_error("%s; tried again in a second", err);
			least = NS_PER_SEC < most ? NS_PER_SEC : most;
		}
	}
	*left_ns = least;
	return 1;
}

int fwgate_timer_cb(int fd, uint32_t events, void *data)
{
	struct vpnd *d = data;
	struct firewall_report r;
	char err[ERR_LEN], count[16];
	uint64_t ticks;
	uint32_t gen = 0;
	bool have_gen;
	int n;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	arm(d);
	/* No transaction in the namespace since a clean check: the table is
	 * as it was, and the full read (the costly part) can wait. */
	n = firewall_generation(d->fw, &gen);
	have_gen = n == 0;
	if (have_gen && d->fw_clean && gen == d->fw_gen && !d->fw_dirty)
		return 0;
	d->fw_clean = false;
	if (!have_gen)
		log_warn("self-check: cannot read the nf_tables generation: %s", strerror(-n));
	n = firewall_check(d->fw, &r, err);
	if (n < 0) {
		log_error("self-check: %s", err);
		return 0;
	}
	if (n == 0 && !d->fw_dirty) {
		/* Read before the check: a change during it shows next time. */
		d->fw_gen = gen;
		d->fw_clean = have_gen;
		return 0;
	}
	if (n > 0) {
		snprintf(count, sizeof(count), "%d", r.n);
		for (int i = 0; i < r.n && i < FIREWALL_REPORT_LINES; i++)
			log_warn("table inet " FIREWALL_TABLE " changed behind vpnd's back: %s",
				 r.line[i]);
		audit_event("firewall-restore", "table", "inet " FIREWALL_TABLE, "differences",
			    count, "first", r.line[0], NULL);
		/* New sets are empty: nothing of the old idle elements to keep. */
		if (reinstall(d, err) < 0) {
			log_error("cannot restore table inet " FIREWALL_TABLE ": %s", err);
			return 0;
		}
		log_info("table inet " FIREWALL_TABLE " restored");
	} else if (reconcile(d, FIREWALL_SESSION_KEEP_IDLE, err) < 0) {
		log_error("%s", err);
		return 0;
	}
	d->fw_dirty = false;
	return 0;
}

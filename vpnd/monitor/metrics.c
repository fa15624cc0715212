/* SPDX-License-Identifier: ISC */
/* The metrics' snapshot, built and pushed (metrics.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "monitor/ends.h"
#include "monitor/firewall_count.h"
#include "monitor/lockout.h"
#include "monitor/metrics.h"
#include "monitor/privsep.h"

#define PUSH_NS NS_PER_SEC

static void fill_peers(const struct vpnd *d, struct metrics_snap *s)
{
	for (size_t i = 0; d->reg != NULL && i < d->reg->n_peers; i++) {
		const struct reg_peer *p = d->reg->peers[i];
		enum metrics_peer st = METRICS_PEER_READY;

		if (session_find(&d->sessions, p->name) != NULL)
			st = METRICS_PEER_OPEN;
		else if (p->disabled)
			st = METRICS_PEER_DISABLED;
		else if (!p->has_key)
			st = METRICS_PEER_PENDING;
		s->peers[st]++;
	}
	s->owners = d->reg != NULL ? d->reg->n_owners : 0;
}

static void fill_firewall(struct vpnd *d, struct metrics_snap *s)
{
	struct firewall_count c;
	int ret;

	/* No table of vpnd's (Enforce = no and the kernel refused it). */
	if (d->fw == NULL)
		return;
	ret = firewall_count_read(d->fw, &c);
	if (ret < 0) {
		log_debug("metrics: cannot read table inet keygate: %s", strerror(-ret));
		return;
	}
	s->fw_table = c.have_table;
	for (int i = 0; i < METRICS_FW_CHAINS && i < FIREWALL_COUNT_CHAINS; i++) {
		s->fw_packets[i] = c.packets[i];
		s->fw_bytes[i] = c.bytes[i];
	}
}

void metrics_fill(struct vpnd *d, struct metrics_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->start_time = d->started_wall > 0 ? (uint64_t)d->started_wall : 0;
	s->sessions = d->sessions.n;
	fill_peers(d, s);
	for (unsigned i = 0; d->ends != NULL && i < METRICS_ENDS; i++)
		s->ends[i] = ends_total(d->ends, i);
	if (d->privsep != NULL) {
		s->act = *privsep_stats(d->privsep);
		privsep_counts(d->privsep, &s->netchild_restarts, &s->netchild_violations);
	}
	if (d->lockout != NULL) {
		s->lockouts_active = lockout_count(d->lockout, clock_boot_ns() / NS_PER_SEC);
		s->lockouts = lockout_locks(d->lockout);
	}
	fill_firewall(d, s);
}

static int push_cb(int fd, uint32_t events, void *data)
{
	struct vpnd *d = data;
	struct metrics_snap s;
	uint8_t buf[METRICSMSG_LEN];
	uint64_t ticks;
	size_t len;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	loop_timer_set(d->metrics_timer, clock_boot_ns() + PUSH_NS);
	metrics_fill(d, &s);
	metricsmsg_encode(buf, &len, &s);
	privsep_metrics_push(d->privsep, buf, len);
	return 0;
}

int metrics_start(struct vpnd *d)
{
	const char *host = d->conf.metrics.listen_host;

	if (!d->conf.metrics.enabled)
		return 0;
	/* Counts only, but no password either: say so when others can ask. */
	if (strncmp(host, "127.", 4) != 0 && strcmp(host, "::1") != 0)
		log_warn("[Metrics] Listen = %s:%u is not loopback: anyone who reaches it reads "
			 "the gateway's numbers",
			 host, d->conf.metrics.listen_port);
	d->metrics_timer = loop_add_timer(d->loop, CLOCK_BOOTTIME, push_cb, d);
	if (d->metrics_timer == NULL)
		return -errno;
	/* The first as soon as the loop runs: the child has none until then. */
	loop_timer_set(d->metrics_timer, clock_boot_ns() + 1);
	return 0;
}

void metrics_stop(struct vpnd *d)
{
	if (d->metrics_timer != NULL && d->loop != NULL)
		loop_remove(d->loop, &d->metrics_timer);
}

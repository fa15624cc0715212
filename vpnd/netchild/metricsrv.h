/* SPDX-License-Identifier: ISC */
/*
 * The metrics' HTTP server in the network child (docs/metrics.md):
 * libmicrohttpd in external-select mode in the child's poll loop, as the
 * web page's (webserver.h), on the listener the monitor made for
 * [Metrics] Listen (CHILDFD_STATS). GET /metrics answers the last snapshot
 * the monitor pushed (common/metricsmsg.h) in Prometheus's text format;
 * before the first one, 503.
 */
#ifndef VPND_METRICSRV_H
#define VPND_METRICSRV_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define METRICSRV_CONNS 8 /* scrapers at once */

struct metricsrv;

int metricsrv_create(struct metricsrv **out, int listen_fd);
void metricsrv_destroy(struct metricsrv **ms);
/* An ACTMSG_METRICS message: the snapshot the next scrapes get. 0, or
 * -EBADMSG (the last good one stays). */
int metricsrv_update(struct metricsrv *ms, const uint8_t *msg, size_t len);
/* As webserver_poll_fds and webserver_run. */
size_t metricsrv_poll_fds(struct metricsrv *ms, struct pollfd *p, size_t cap, int *timeout_ms);
void metricsrv_run(struct metricsrv *ms, const struct pollfd *p, size_t n);

#endif

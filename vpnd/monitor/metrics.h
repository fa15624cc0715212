/* SPDX-License-Identifier: ISC */
/*
 * The numbers of docs/metrics.md, gathered in the monitor and pushed to
 * the network child once a second (common/metricsmsg.h), which serves
 * them on [Metrics] Listen. Pushed, not asked for: the child answers a
 * scrape from the last snapshot without waiting for the monitor, and the
 * monitor does the same small work whether Prometheus scrapes every
 * second or every minute. Between run.c and privsep.c in the layers.
 */
#ifndef VPND_METRICS_H
#define VPND_METRICS_H

#include "common/metricsmsg.h"
#include "monitor/daemon.h"

/* Starts the push with [Metrics] (nothing without); 0 or -errno. */
int metrics_start(struct vpnd *d);
void metrics_stop(struct vpnd *d);
/* The numbers as they are now. */
void metrics_fill(struct vpnd *d, struct metrics_snap *s);

#endif

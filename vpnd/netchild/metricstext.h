/* SPDX-License-Identifier: ISC */
/*
 * A metrics snapshot (common/metricsmsg.h) in Prometheus's text exposition
 * format 0.0.4, every metric with its HELP and TYPE (docs/metrics.md).
 */
#ifndef VPND_METRICSTEXT_H
#define VPND_METRICSTEXT_H

#include "base/strbuf.h"
#include "common/metricsmsg.h"

/* Appends the whole page to o; strbuf_error(o) tells of a failure. */
void metricstext_render(const struct metrics_snap *s, struct strbuf *o);

#endif

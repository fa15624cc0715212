/* SPDX-License-Identifier: ISC */
/*
 * vpnd.conf's [Metrics] section (vpnd.conf(5), docs/metrics.md): where
 * vpnd serves its numbers in Prometheus's text format. Off without the
 * section. conf.c hands each key of the section here.
 */
#ifndef KEYGATE_METRICSCONF_H
#define KEYGATE_METRICSCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "base/text.h"

struct metricsconf {
	bool enabled; /* the section is there */
	char listen_host[64];
	uint16_t listen_port;
	unsigned seen;
};

/* One key of [Metrics], at file:line: 0; -ENOENT for a key the section
 * does not have; or -EINVAL with err naming the value, the place and the
 * fix. */
int metricsconf_key(struct metricsconf *m, const char *key, const char *value, const char *file,
		    unsigned line, char err[ERR_LEN]);
/* At the end of the file: a section needs Listen. */
int metricsconf_finish(const struct metricsconf *m, char err[ERR_LEN]);

#endif

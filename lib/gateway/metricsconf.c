/* SPDX-License-Identifier: ISC */
/* vpnd.conf's [Metrics] section (metricsconf.h). */
#include <errno.h>
#include <strings.h>

#include "base/ipaddr.h"
#include "gateway/endpoint.h"
#include "gateway/metricsconf.h"

int metricsconf_key(struct metricsconf *m, const char *key, const char *v, const char *file,
		    unsigned line, char err[ERR_LEN])
{
	struct ipaddr a;

	m->enabled = true;
	if (strcasecmp(key, "Listen") != 0)
		return -ENOENT;
	if (m->seen != 0) {
		text_err(err, "duplicate key '%s' at %s:%u", key, file, line);
		return -EINVAL;
	}
	m->seen = 1;
	/* An address, never a name: the child cannot resolve one, and the
	 * numbers belong on loopback or a management network. */
	if (endpoint_parse(v, m->listen_host, sizeof(m->listen_host), &m->listen_port) < 0 ||
	    ipaddr_parse(&a, m->listen_host, false) < 0) {
		text_err(err, "invalid metrics listen address '%s' at %s:%u: %s", v, file, line,
			 "expected ADDRESS:PORT, as 127.0.0.1:9586 or [::1]:9586");
		return -EINVAL;
	}
	return 0;
}

int metricsconf_finish(const struct metricsconf *m, char err[ERR_LEN])
{
	if (m->enabled && m->listen_port == 0) {
		text_err(err, "[Metrics] needs Listen");
		return -EINVAL;
	}
	return 0;
}

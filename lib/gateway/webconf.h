/* SPDX-License-Identifier: ISC */
/*
 * vpnd.conf's [Web] section (vpnd.conf(5), docs/web.md): the WebAuthn
 * page's domain, where it listens, and either the TLS files vpnd serves
 * with or the reverse proxies it trusts to name the client. conf.c hands
 * each key of the section here.
 */
#ifndef KEYGATE_WEBCONF_H
#define KEYGATE_WEBCONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/text.h"

#define WEBCONF_DOMAIN_MAX  253
#define WEBCONF_PROXIES_MAX 8
#define WEBCONF_ORIGIN_MAX  (8 + WEBCONF_DOMAIN_MAX + 6)

struct webconf {
	bool enabled; /* the section is there */
	char domain[WEBCONF_DOMAIN_MAX + 1];
	char listen_host[64];
	uint16_t listen_port;
	char certificate[PATH_MAX];
	char key[PATH_MAX];
	struct ipaddr proxies[WEBCONF_PROXIES_MAX];
	int n_proxies;
	/* What browsers call the page: https://Domain, with Listen's port
	 * when vpnd terminates TLS on a port other than 443. */
	char origin[WEBCONF_ORIGIN_MAX + 1];
	unsigned seen;
};

/* One key of [Web], at file:line: 0; -ENOENT for a key the section does
 * not have; or -EINVAL with err naming the value, the place and the fix. */
int webconf_key(struct webconf *w, const char *key, const char *value, const char *file,
		unsigned line, char err[ERR_LEN]);
/* At the end of the file: Domain and Listen given, Certificate with Key,
 * TrustedProxies without them; sets origin. */
int webconf_finish(struct webconf *w, char what[ERR_LEN]);
/* true when the address is one of TrustedProxies. */
bool webconf_trusted(const struct webconf *w, const struct ipaddr *a);

#endif

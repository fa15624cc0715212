/* SPDX-License-Identifier: ISC */
/* vpnd.conf's [Web] section (webconf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/endpoint.h"
#include "gateway/webconf.h"

/* A DNS name as the rp ID must be: labels of a-z, 0-9 and -, with a dot,
 * and never an IP address (browsers refuse those as rp IDs). */
static bool domain_valid(const char *s)
{
	size_t n = strlen(s), label = 0;
	bool dot = false, alpha = false;

	if (n == 0 || n > WEBCONF_DOMAIN_MAX || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			dot = true;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
			return false;
		if (ch == '-' && label == 0)
			return false;
		if (ch >= 'a' && ch <= 'z')
			alpha = true;
		if (++label > 63)
			return false;
	}
	return dot && alpha;
}

/* Where the key is, for the message. */
struct at {
	const char *file;
	unsigned line;
};

static int fail(char err[ERR_LEN], const struct at *at, const char *field, const char *v,
		const char *hint)
{
	text_err(err, "invalid %s '%s' at %s:%u: %s", field, v, at->file, at->line, hint);
	return -EINVAL;
}

static int parse_proxies(struct webconf *w, const char *v, const struct at *at, char what[ERR_LEN])
{
	char buf[512], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return fail(what, at, "trusted proxies", v, "too long");
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = text_trim(tok);
		if (w->n_proxies == WEBCONF_PROXIES_MAX)
			return fail(what, at, "trusted proxy", tok, "more than 8");
		if (ipaddr_parse(&w->proxies[w->n_proxies], tok, false) < 0)
			return fail(what, at, "trusted proxy", tok, "expected an IP address");
		w->n_proxies++;
	}
	return 0;
}

int webconf_key(struct webconf *w, const char *key, const char *v, const char *file, unsigned line,
		char what[ERR_LEN])
{
	const struct at place = {file, line}, *at = &place;
	static const char *const keys[] = {"Domain", "Listen", "Certificate", "Key",
					   "TrustedProxies"};
	struct ipaddr a;
	unsigned i;

	w->enabled = true;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(keys[i], key) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return -ENOENT;
	if (w->seen & (1U << i)) {
		text_err(what, "duplicate key '%s' at %s:%u", key, file, line);
		return -EINVAL;
	}
	w->seen |= 1U << i;
	switch (i) {
	case 0:
		if (!domain_valid(v))
			return fail(what, at, "domain", v,
				    "expected a DNS name in lower case, as mail.example.org");
		strcpy(w->domain, v);
		return 0;
	case 1:
		if (endpoint_parse(v, w->listen_host, sizeof(w->listen_host), &w->listen_port) <
			    0 ||
		    ipaddr_parse(&a, w->listen_host, false) < 0)
			return fail(what, at, "listen address", v,
				    "expected ADDRESS:PORT, as 0.0.0.0:8443 or [::1]:8080");
		return 0;
	case 2:
	case 3:
		if (v[0] != '/' || strlen(v) >= PATH_MAX)
			return fail(what, at, i == 2 ? "certificate" : "key", v,
				    "expected an absolute path");
		strcpy(i == 2 ? w->certificate : w->key, v);
		return 0;
	default:
		return parse_proxies(w, v, at, what);
	}
}

int webconf_finish(struct webconf *w, char what[ERR_LEN])
{
	if (!w->enabled)
		return 0;
	if (w->domain[0] == '\0' || w->listen_port == 0) {
		text_err(what, "[Web] needs Domain and Listen");
		return -EINVAL;
	}
	if ((w->certificate[0] == '\0') != (w->key[0] == '\0')) {
		text_err(what, "[Web] needs both Certificate and Key, or neither");
		return -EINVAL;
	}
	if (w->certificate[0] == '\0' && w->n_proxies == 0) {
		text_err(what, "[Web] without Certificate serves plain HTTP: it needs "
			       "TrustedProxies, the reverse proxy that terminates TLS");
		return -EINVAL;
	}
	if (w->certificate[0] != '\0' && w->listen_port != 443)
		snprintf(w->origin, sizeof(w->origin), "https://%s:%u", w->domain, w->listen_port);
	else
		snprintf(w->origin, sizeof(w->origin), "https://%s", w->domain);
	return 0;
}

bool webconf_trusted(const struct webconf *w, const struct ipaddr *a)
{
	for (int i = 0; i < w->n_proxies; i++)
		if (ipaddr_equal(&w->proxies[i], a))
			return true;
	return false;
}

/* SPDX-License-Identifier: ISC */
/* vpnd.conf's [Mail] section (mailconf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/endpoint.h"
#include "gateway/mailconf.h"

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

/* A mail domain: labels of a-z, 0-9 and -, at least one dot. Lower case
 * only, as logins are compared in lower case. */
static bool domain_valid(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > MAILCONF_DOMAIN_MAX || s[0] == '.' || s[n - 1] == '.' ||
	    strchr(s, '.') == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* A comma-separated list: each item to fn, which says whether it fits. */
static int each_item(const char *v, const struct at *at, const char *field, char err[ERR_LEN],
		     int (*fn)(struct mailconf *m, const char *item), struct mailconf *m,
		     const char *hint)
{
	char buf[1024], *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return fail(err, at, field, v, "too long");
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = text_trim(tok);
		if (fn(m, tok) < 0)
			return fail(err, at, field, tok, hint);
	}
	return 0;
}

static int add_domain(struct mailconf *m, const char *s)
{
	if (m->n_domains == MAILCONF_DOMAINS_MAX || !domain_valid(s))
		return -EINVAL;
	strcpy(m->domains[m->n_domains++], s);
	return 0;
}

static int add_trusted(struct mailconf *m, const char *s)
{
	if (m->n_trusted == MAILCONF_TRUSTED_MAX ||
	    ipaddr_parse(&m->trusted[m->n_trusted], s, strchr(s, '/') != NULL) < 0)
		return -EINVAL;
	m->n_trusted++;
	return 0;
}

static int tcp_address(const char *v, char *host, size_t hostlen, uint16_t *port)
{
	struct ipaddr a;

	if (endpoint_parse(v, host, hostlen, port) < 0 || ipaddr_parse(&a, host, false) < 0)
		return -EINVAL;
	return 0;
}

int mailconf_key(struct mailconf *m, const char *key, const char *v, const char *file,
		 unsigned line, char err[ERR_LEN])
{
	const struct at place = {file, line}, *at = &place;
	static const char *const keys[] = {"Domains", "DovecotPolicy", "PostfixPolicy", "Trusted"};
	unsigned i;

	m->enabled = true;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(keys[i], key) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return -ENOENT;
	if (m->seen & (1U << i)) {
		text_err(err, "duplicate key '%s' at %s:%u", key, file, line);
		return -EINVAL;
	}
	m->seen |= 1U << i;
	switch (i) {
	case 0:
		return each_item(v, at, "mail domain", err, add_domain, m,
				 "expected at most 8 DNS names in lower case, as example.org");
	case 1:
		if (tcp_address(v, m->dovecot_host, sizeof(m->dovecot_host), &m->dovecot_port) < 0)
			return fail(err, at, "Dovecot policy address", v,
				    "expected ADDRESS:PORT, as 127.0.0.1:8790");
		return 0;
	case 2:
		if (strncmp(v, "unix:", 5) == 0) {
			if (v[5] != '/' || strlen(v + 5) > MAILCONF_UNIX_MAX)
				return fail(err, at, "Postfix policy socket", v,
					    "expected unix: and an absolute path of at most "
					    "107 bytes");
			strcpy(m->postfix_unix, v + 5);
			return 0;
		}
		if (tcp_address(v, m->postfix_host, sizeof(m->postfix_host), &m->postfix_port) < 0)
			return fail(err, at, "Postfix policy address", v,
				    "expected ADDRESS:PORT or unix:PATH");
		return 0;
	default:
		return each_item(v, at, "trusted address", err, add_trusted, m,
				 "expected at most 16 IP addresses or networks");
	}
}

int mailconf_finish(struct mailconf *m, char err[ERR_LEN])
{
	if (!m->enabled)
		return 0;
	if (m->dovecot_port == 0 && m->postfix_port == 0 && m->postfix_unix[0] == '\0') {
		text_err(err, "[Mail] needs DovecotPolicy or PostfixPolicy (or both)");
		return -EINVAL;
	}
	return 0;
}

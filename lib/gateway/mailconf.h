/* SPDX-License-Identifier: ISC */
/*
 * vpnd.conf's [Mail] section (vpnd.conf(5), docs/mail.md): the mail
 * domains an owner's name is a login at, where vpnd answers Dovecot's
 * authentication policy and Postfix's policy delegation, and the addresses
 * whose logins pass without a tunnel (webmail on the same host). conf.c
 * hands each key of the section here.
 */
#ifndef KEYGATE_MAILCONF_H
#define KEYGATE_MAILCONF_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/text.h"

#define MAILCONF_DOMAINS_MAX 8
#define MAILCONF_DOMAIN_MAX  253
#define MAILCONF_TRUSTED_MAX 16
#define MAILCONF_UNIX_MAX    107 /* sun_path, with its NUL */

struct mailconf {
	bool enabled; /* the section is there */
	char domains[MAILCONF_DOMAINS_MAX][MAILCONF_DOMAIN_MAX + 1];
	int n_domains;
	/* DovecotPolicy: port 0 when not given */
	char dovecot_host[64];
	uint16_t dovecot_port;
	/* PostfixPolicy: a TCP address, or a unix socket's path */
	char postfix_host[64];
	uint16_t postfix_port;
	char postfix_unix[MAILCONF_UNIX_MAX + 1];
	/* Logins from these networks pass, as from loopback. */
	struct ipaddr trusted[MAILCONF_TRUSTED_MAX];
	int n_trusted;
	unsigned seen;
};

/* One key of [Mail], at file:line: 0; -ENOENT for a key the section does
 * not have; or -EINVAL with err naming the value, the place and the fix. */
int mailconf_key(struct mailconf *m, const char *key, const char *value, const char *file,
		 unsigned line, char err[ERR_LEN]);
/* At the end of the file: a [Mail] section serves at least one policy. */
int mailconf_finish(struct mailconf *m, char err[ERR_LEN]);

#endif

/* SPDX-License-Identifier: ISC */
/* vpnd.conf's [Store] section (storeconf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gateway/storeconf.h"

/* Whether a libpq connection string carries a password: the keyword form
 * (password=...) or a URI's user:password@ part. The admin is sent to
 * passfile= instead, which keeps it out of a file that is shown around. */
static bool has_password(const char *v)
{
	const char *p;

	if (strncmp(v, "postgresql://", 13) == 0 || strncmp(v, "postgres://", 11) == 0) {
		const char *auth = strstr(v, "://") + 3, *at = strchr(auth, '@');
		const char *slash = strchr(auth, '/');

		if (at != NULL && (slash == NULL || at < slash) && memchr(auth, ':', at - auth))
			return true;
		return strcasestr(v, "password=") != NULL;
	}
	for (p = v; (p = strcasestr(p, "password")) != NULL; p += 8) {
		const char *q = p + 8;

		if (p != v && p[-1] != ' ' && p[-1] != '\t')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=')
			return true;
	}
	return false;
}

int storeconf_key(struct storeconf *s, const char *key, const char *v, const char *file,
		  unsigned line, char what[ERR_LEN])
{
	static const char *const keys[] = {"Type", "Connection"};
	unsigned i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(keys[i], key) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return -ENOENT;
	if (s->seen & (1U << i)) {
		text_err(what, "duplicate key '%s' at %s:%u", key, file, line);
		return -EINVAL;
	}
	s->seen |= 1U << i;
	if (i == 0) {
		if (strcasecmp(v, "files") == 0)
			s->type = STORE_FILES;
		else if (strcasecmp(v, "postgresql") == 0)
			s->type = STORE_POSTGRESQL;
		else {
			text_err(what,
				 "invalid store type '%s' at %s:%u: expected files or postgresql",
				 v, file, line);
			return -EINVAL;
		}
		return 0;
	}
	if (strlen(v) > STORECONF_CONNECTION_MAX) {
		text_err(what, "invalid connection at %s:%u: longer than %d bytes", file, line,
			 STORECONF_CONNECTION_MAX);
		return -EINVAL;
	}
	if (has_password(v)) {
		/* Not quoted: the message would carry the password. */
		text_err(what,
			 "invalid connection at %s:%u: it holds a password; name a file with "
			 "passfile= (or PGPASSFILE, or a service file) instead",
			 file, line);
		return -EINVAL;
	}
	strcpy(s->connection, v);
	return 0;
}

int storeconf_finish(const struct storeconf *s, char what[ERR_LEN])
{
	if (s->type == STORE_POSTGRESQL && s->connection[0] == '\0') {
		text_err(what, "[Store] Type = postgresql needs Connection");
		return -EINVAL;
	}
	if (s->type == STORE_FILES && s->connection[0] != '\0') {
		text_err(what, "[Store] Connection is for Type = postgresql");
		return -EINVAL;
	}
	return 0;
}

const char *storeconf_type_name(enum storeconf_type t)
{
	return t == STORE_POSTGRESQL ? "postgresql" : "files";
}

/* SPDX-License-Identifier: ISC */
/*
 * vpnd.conf's [Store] section (vpnd.conf(5), docs/store.md): where the
 * registry, counters, codes, lockouts and sessions live. Type = files (the
 * default: the state directory) or postgresql (a database several gateways
 * share), with Connection a libpq connection string. The string never holds
 * a password: libpq reads one from passfile=, PGPASSFILE or a service file,
 * so it appears on no command line and in no config that is copied around.
 * conf.c hands each key of the section here.
 */
#ifndef KEYGATE_STORECONF_H
#define KEYGATE_STORECONF_H

#include "base/text.h"

#define STORECONF_CONNECTION_MAX 1023

enum storeconf_type { STORE_FILES, STORE_POSTGRESQL };

struct storeconf {
	enum storeconf_type type;
	char connection[STORECONF_CONNECTION_MAX + 1];
	unsigned seen;
};

/* One key of [Store], at file:line: 0; -ENOENT for a key the section does
 * not have; or -EINVAL with err naming the value, the place and the fix. */
int storeconf_key(struct storeconf *s, const char *key, const char *value, const char *file,
		  unsigned line, char err[ERR_LEN]);
/* At the end of the file: Connection given with Type = postgresql, and
 * only then. */
int storeconf_finish(const struct storeconf *s, char what[ERR_LEN]);
const char *storeconf_type_name(enum storeconf_type t);

#endif

/* SPDX-License-Identifier: ISC */
/* A vpnd built without libpq (-Dpostgresql=disabled): [Store] Type =
 * postgresql is refused with the reason (pgstore.h). */
#include <errno.h>

#include "store/pgstore.h"

bool pgstore_available(void)
{
	return false;
}

int pgstore_open(struct pgstore **out, const char *conninfo, char err[ERR_LEN])
{
	text_err(err, "this vpnd was built without PostgreSQL (-Dpostgresql=disabled)");
	return -ENOTSUP;
}

void pgstore_close(struct pgstore **s)
{
}

int pgstore_version(struct pgstore *s, int *version, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_migrate(struct pgstore *s, int *from, int *to, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_check_schema(struct pgstore *s, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_import(struct pgstore *s, const char *const text[PGSTORE_FILES],
		   const size_t len[PGSTORE_FILES], bool replace, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_export(struct pgstore *s, struct strbuf out[PGSTORE_FILES], char err[ERR_LEN])
{
	return -ENOTSUP;
}

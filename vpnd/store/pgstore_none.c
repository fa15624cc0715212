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

int pgstore_push(struct pgstore *s, const char *gateway, const char *const was[PGSTORE_FILES],
		 const size_t was_len[PGSTORE_FILES], const char *const now[PGSTORE_FILES],
		 const size_t now_len[PGSTORE_FILES], char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_counters(struct pgstore *s, const char *gateway, struct pgstore_take *t, size_t n,
		     char err[ERR_LEN])
{
	return -ENOTSUP;
}

bool pgstore_connected(struct pgstore *s)
{
	return false;
}

int pgstore_reconnect(struct pgstore *s, char err[ERR_LEN])
{
	return -ENOTSUP;
}

unsigned pgstore_generation(const struct pgstore *s)
{
	return 0;
}

int pgstore_session_put(struct pgstore *s, const char *gateway, const struct pgstore_session *ps,
			char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_session_end(struct pgstore *s, const char *gateway, const char *peer, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_sessions(struct pgstore *s, struct pgstore_session **out, size_t *n, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_listen(struct pgstore *s, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_poll(struct pgstore *s, const char *gateway, unsigned *kinds,
		 struct pgstore_lockout *unlocks, size_t cap, size_t *n_unlocks, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_lockout_put(struct pgstore *s, const char *gateway, const struct pgstore_lockout *lk,
			char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_lockout_cut(struct pgstore *s, const struct pgstore_lockout *lk, char err[ERR_LEN])
{
	return -ENOTSUP;
}

int pgstore_lockouts(struct pgstore *s, struct pgstore_lockout **out, size_t *n, char err[ERR_LEN])
{
	return -ENOTSUP;
}

/* SPDX-License-Identifier: ISC */
/* What the pgstore*.c files share; nobody else includes it. */
#ifndef KEYGATE_PGSTORE_INT_H
#define KEYGATE_PGSTORE_INT_H

#include "store/pqlib.h"

#include "store/pgstore.h"

struct pgstore {
	PGconn *conn;
	unsigned gen;        /* connections made anew (pgstore_generation) */
	bool deaf;           /* made anew, but LISTEN failed: no NOTIFY will come */
	int64_t quiet_until; /* wall seconds: bad session rows are not logged */
};

/* Runs one command without parameters; 0, or -EIO with err naming what
 * and the server's words. */
int pgstore_exec(struct pgstore *s, const char *sql, const char *what, char err[ERR_LEN]);
/* The server's or libpq's message, one line, into err after "what: ". */
void pgstore_fail(struct pgstore *s, const PGresult *res, const char *what, char err[ERR_LEN]);

#endif

/* SPDX-License-Identifier: ISC */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#define PQLIB_TABLE
#include "store/pqlib.h"

struct pqlib pqlib;

static const struct {
	const char *name;
	size_t at;
} calls[] = {
	{"PQclear", offsetof(struct pqlib, PQclear)},
	{"PQcmdStatus", offsetof(struct pqlib, PQcmdStatus)},
	{"PQconnectdb", offsetof(struct pqlib, PQconnectdb)},
	{"PQconsumeInput", offsetof(struct pqlib, PQconsumeInput)},
	{"PQenterPipelineMode", offsetof(struct pqlib, PQenterPipelineMode)},
	{"PQerrorMessage", offsetof(struct pqlib, PQerrorMessage)},
	{"PQexec", offsetof(struct pqlib, PQexec)},
	{"PQexecParams", offsetof(struct pqlib, PQexecParams)},
	{"PQexitPipelineMode", offsetof(struct pqlib, PQexitPipelineMode)},
	{"PQfinish", offsetof(struct pqlib, PQfinish)},
	{"PQfreemem", offsetof(struct pqlib, PQfreemem)},
	{"PQgetResult", offsetof(struct pqlib, PQgetResult)},
	{"PQgetisnull", offsetof(struct pqlib, PQgetisnull)},
	{"PQgetvalue", offsetof(struct pqlib, PQgetvalue)},
	{"PQnotifies", offsetof(struct pqlib, PQnotifies)},
	{"PQntuples", offsetof(struct pqlib, PQntuples)},
	{"PQpipelineStatus", offsetof(struct pqlib, PQpipelineStatus)},
	{"PQpipelineSync", offsetof(struct pqlib, PQpipelineSync)},
	{"PQputCopyData", offsetof(struct pqlib, PQputCopyData)},
	{"PQputCopyEnd", offsetof(struct pqlib, PQputCopyEnd)},
	{"PQreset", offsetof(struct pqlib, PQreset)},
	{"PQresultErrorMessage", offsetof(struct pqlib, PQresultErrorMessage)},
	{"PQresultStatus", offsetof(struct pqlib, PQresultStatus)},
	{"PQsendQueryParams", offsetof(struct pqlib, PQsendQueryParams)},
	{"PQstatus", offsetof(struct pqlib, PQstatus)},
};

int pqlib_load(char err[ERR_LEN])
{
	static void *lib;
	void *h, *fn;

	if (lib != NULL)
		return 0;
	/* The soname, not libpq.so: that is the -dev package's. */
	h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		text_err(err,
			 "[Store] Type = postgresql needs libpq (libpq.so.5; Debian: the package "
			 "libpq5): %s",
			 dlerror());
		return -ELIBACC;
	}
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		fn = dlsym(h, calls[i].name);
		if (fn == NULL) {
			text_err(err, "libpq.so.5 has no %s: the store needs libpq 14 or newer",
				 calls[i].name);
			dlclose(h);
			return -ELIBACC;
		}
		/* POSIX makes a function's address from dlsym callable. */
		*(void **)((char *)&pqlib + calls[i].at) = fn;
	}
	lib = h;
	return 0;
}

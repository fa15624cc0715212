/* SPDX-License-Identifier: ISC */
/*
 * libpq, loaded when a PostgreSQL store is opened (dlopen), not linked:
 * a gateway on the files store, the default, never maps libpq and what it
 * brings (GnuTLS, Kerberos, LDAP, SASL: some 3.5 MB of vpnd's resident
 * memory, and code in the privileged monitor that nothing there uses).
 * The store's modules include this instead of libpq-fe.h and call libpq by
 * its own names, which lead to the table filled here.
 *
 * The table is the one process-wide state in vpnd: it is what the dynamic
 * linker would hold had libpq been linked, written once by pqlib_load
 * before any store exists and only read after.
 */
#ifndef KEYGATE_PQLIB_H
#define KEYGATE_PQLIB_H

#include <libpq-fe.h>

#include "base/text.h"

struct pqlib {
	__typeof__(PQclear) *PQclear;
	__typeof__(PQcmdStatus) *PQcmdStatus;
	__typeof__(PQconnectdb) *PQconnectdb;
	__typeof__(PQconsumeInput) *PQconsumeInput;
	__typeof__(PQenterPipelineMode) *PQenterPipelineMode;
	__typeof__(PQerrorMessage) *PQerrorMessage;
	__typeof__(PQexec) *PQexec;
	__typeof__(PQexecParams) *PQexecParams;
	__typeof__(PQexitPipelineMode) *PQexitPipelineMode;
	__typeof__(PQfinish) *PQfinish;
	__typeof__(PQfreemem) *PQfreemem;
	__typeof__(PQgetResult) *PQgetResult;
	__typeof__(PQgetisnull) *PQgetisnull;
	__typeof__(PQgetvalue) *PQgetvalue;
	__typeof__(PQnotifies) *PQnotifies;
	__typeof__(PQntuples) *PQntuples;
	__typeof__(PQpipelineStatus) *PQpipelineStatus;
	__typeof__(PQpipelineSync) *PQpipelineSync;
	__typeof__(PQputCopyData) *PQputCopyData;
	__typeof__(PQputCopyEnd) *PQputCopyEnd;
	__typeof__(PQreset) *PQreset;
	__typeof__(PQresultErrorMessage) *PQresultErrorMessage;
	__typeof__(PQresultStatus) *PQresultStatus;
	__typeof__(PQsendQueryParams) *PQsendQueryParams;
	__typeof__(PQstatus) *PQstatus;
};

extern struct pqlib pqlib;

/* Loads libpq once: 0, or -ELIBACC (no libpq, or one without a call
 * above: older than PostgreSQL 14's pipeline mode) with err saying what
 * to install. */
int pqlib_load(char err[ERR_LEN]);

#ifndef PQLIB_TABLE
#define PQclear              (pqlib.PQclear)
#define PQcmdStatus          (pqlib.PQcmdStatus)
#define PQconnectdb          (pqlib.PQconnectdb)
#define PQconsumeInput       (pqlib.PQconsumeInput)
#define PQenterPipelineMode  (pqlib.PQenterPipelineMode)
#define PQerrorMessage       (pqlib.PQerrorMessage)
#define PQexec               (pqlib.PQexec)
#define PQexecParams         (pqlib.PQexecParams)
#define PQexitPipelineMode   (pqlib.PQexitPipelineMode)
#define PQfinish             (pqlib.PQfinish)
#define PQfreemem            (pqlib.PQfreemem)
#define PQgetResult          (pqlib.PQgetResult)
#define PQgetisnull          (pqlib.PQgetisnull)
#define PQgetvalue           (pqlib.PQgetvalue)
#define PQnotifies           (pqlib.PQnotifies)
#define PQntuples            (pqlib.PQntuples)
#define PQpipelineStatus     (pqlib.PQpipelineStatus)
#define PQpipelineSync       (pqlib.PQpipelineSync)
#define PQputCopyData        (pqlib.PQputCopyData)
#define PQputCopyEnd         (pqlib.PQputCopyEnd)
#define PQreset              (pqlib.PQreset)
#define PQresultErrorMessage (pqlib.PQresultErrorMessage)
#define PQresultStatus       (pqlib.PQresultStatus)
#define PQsendQueryParams    (pqlib.PQsendQueryParams)
#define PQstatus             (pqlib.PQstatus)
#endif

#endif

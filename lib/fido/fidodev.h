/* SPDX-License-Identifier: ISC */
/*
 * Opening a FIDO2 security key for the tools. The spec is
 *   "unix:PATH"  a softkey socket (tests and the demo), reached through
 *                libfido2's custom I/O hooks (fido_dev_set_io_functions);
 *   any other    a libfido2 device path (hidraw);
 *   NULL or ""   the first device fido_dev_info_manifest finds.
 * Errors are -errno, with one line in err ("no FIDO2 security key found;
 * plug one in").
 */
#ifndef KEYGATE_FIDODEV_H
#define KEYGATE_FIDODEV_H

#include <fido.h>

#include "base/text.h"

/* Calls fido_init once; safe to call again. */
void fidodev_init(void);
int fidodev_open(fido_dev_t **dev, const char *spec, char err[ERR_LEN]);
/* As fidodev_open, but a NULL or empty spec picks the first device found
 * whose path is not skip: beside a key named by its path, the other one. */
int fidodev_open_other(fido_dev_t **dev, const char *spec, const char *skip, char err[ERR_LEN]);
/* NULL-safe; closes, frees, sets *dev = NULL. */
void fidodev_close(fido_dev_t **dev);

#endif

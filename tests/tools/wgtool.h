/* SPDX-License-Identifier: ISC */
/* What the kg-wgtool subcommands share: the backend chosen on the
 * command line (or the library's own choice) and the error exit. */
#ifndef KEYGATE_WGTOOL_H
#define KEYGATE_WGTOOL_H

#include "wg/wgipc.h"

int wgtool_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN]);
int wgtool_set_device(const struct wg_device *dev, char err[ERR_LEN]);
/* Prints err on one line; returns exit status 1. */
int wgtool_failed(const char *err);

int bulk_main(const char *ifname, unsigned long n, unsigned long m);

#endif

/* SPDX-License-Identifier: ISC */
/* Output of the admin commands: tables and "key: value" for people, JSON
 * for scripts. */
#ifndef VPND_ADMIN_OUT_H
#define VPND_ADMIN_OUT_H

#include <stdio.h>

#include "gateway/ctl.h"

/* Columns are reply field names; NULL-terminated. */
void out_table(FILE *f, const struct ctl_reply *r, const char *const *cols);
/* One record as aligned "key: value" lines. */
void out_show(FILE *f, const struct ctl_reply *r);
/* All records as a JSON array, or the first as an object. */
void out_json(FILE *f, const struct ctl_reply *r, int as_array);

#endif

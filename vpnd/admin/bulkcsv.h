/* SPDX-License-Identifier: ISC */
/*
 * The CSV file of `vpnd peer add --from`: one peer a line, name,owner,kind
 * (kind laptop or mobile); blank lines, lines starting with '#' and a first
 * line "name,owner,kind" are skipped. The bottom of admin/bulk.c.
 */
#ifndef VPND_ADMIN_BULKCSV_H
#define VPND_ADMIN_BULKCSV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/text.h"

#define BULKCSV_MAX_ROWS 4096
#define BULKCSV_FILE_MAX (1U << 20)

struct bulkcsv_row {
	char name[NAME_MAX_LEN + 1];
	char owner[NAME_MAX_LEN + 1];
	bool mobile;
	unsigned line;
};

/*
 * Parses text (len bytes, any bytes) into rows[0..*n) (room for max). 0;
 * -EINVAL with err naming "NAME:LINE: what" for a line that does not
 * parse, a name given twice, more than max peers or none at all.
 */
int bulkcsv_parse(struct bulkcsv_row *rows, size_t max, size_t *n, const char *text, size_t len,
		  const char *name, char err[ERR_LEN]);

#endif

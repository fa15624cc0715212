/* SPDX-License-Identifier: ISC */
/* The CSV file of `vpnd peer add --from`: any bytes parse or are refused
 * with a message that names the file and line; accepted rows are valid
 * names, each once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admin/bulkcsv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bulkcsv_row rows[64];
	char err[ERR_LEN] = "";
	size_t n = 0;

	if (bulkcsv_parse(rows, 64, &n, (const char *)data, size, "f.csv", err) < 0) {
		if (strncmp(err, "f.csv", 5) != 0)
			__builtin_trap();
		return 0;
	}
	if (n == 0 || n > 64)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		if (!text_valid_name(rows[i].name) || !text_valid_name(rows[i].owner))
			__builtin_trap();
		for (size_t j = 0; j < i; j++)
			if (strcmp(rows[i].name, rows[j].name) == 0)
				__builtin_trap();
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
/*
 * A lockout row of the shared store (store/pgstore_parse.c) on untrusted
 * bytes: the input is its three text fields, owner, key ID and deadline,
 * separated by newlines. Whatever they are, a row taken names an owner
 * the registry could hold and a key ID of 8 to 32 lowercase hex digits,
 * with a deadline from 0 to 2^62.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/pgstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *f[3] = {NULL, NULL, NULL};
	struct pgstore_lockout lk;
	size_t k = 1;

	if (buf == NULL)
		return 0;
	/* As libpq hands them over: text without NULs. */
	memcpy(buf, data, size);
	buf[size] = '\0';
	f[0] = buf;
	for (char *p = buf; k < 3 && (p = strchr(p, '\n')) != NULL; p++) {
		*p = '\0';
		f[k++] = p + 1;
	}
	if (k == 3 && pgstore_lockout_parse(&lk, f[0], f[1], f[2]) == 0) {
		size_t n = strlen(lk.id);

		if (!text_valid_name(lk.owner) || strcmp(lk.owner, f[0]) != 0 || n < 8 || n > 32 ||
		    strspn(lk.id, "0123456789abcdef") != n || lk.until_wall < 0 ||
		    lk.until_wall > (INT64_C(1) << 62))
			abort();
	}
	free(buf);
	return 0;
}

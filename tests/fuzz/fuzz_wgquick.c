/* SPDX-License-Identifier: ISC */
/*
 * wgq_parse on any bytes; whatever it accepts must write back and read
 * again to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wg/wgq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[WGQ_TEXT_MAX], b[WGQ_TEXT_MAX];
	struct wgq_config c, d;
	char err[ERR_LEN];
	size_t alen = 0, blen = 0;

	if (wgq_parse(&c, (const char *)data, size, err) < 0)
		return 0;
	if (wgq_format(&c, a, sizeof(a), &alen, err) < 0)
		abort();
	if (wgq_parse(&d, a, alen, err) < 0)
		abort();
	if (wgq_format(&d, b, sizeof(b), &blen, err) < 0)
		abort();
	if (alen != blen || memcmp(a, b, alen) != 0)
		abort();
	wgq_config_finish(&c);
	wgq_config_finish(&d);
	return 0;
}

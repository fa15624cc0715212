/* SPDX-License-Identifier: ISC */
/* The metrics snapshot as the network child decodes it (common/metricsmsg.c)
 * from whatever comes on the monitor's socket, and the page it renders from
 * it (netchild/metricstext.c): decoding ends in a snapshot that encodes to
 * the same bytes, or a refusal; the page is text whose lines all end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/metricsmsg.h"
#include "netchild/metricstext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[METRICSMSG_LEN];
	struct metrics_snap s;
	struct strbuf o;
	size_t len = 0;

	if (metricsmsg_decode(&s, data, size) < 0)
		return 0;
	metricsmsg_encode(again, &len, &s);
	if (len != size || memcmp(again, data, size) != 0)
		abort();
	strbuf_init(&o);
	metricstext_render(&s, &o);
	if (strbuf_error(&o) == 0 &&
	    (o.len == 0 || o.buf[o.len - 1] != '\n' || strlen(o.buf) != o.len))
		abort();
	strbuf_finish(&o);
	return 0;
}

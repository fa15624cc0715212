/* SPDX-License-Identifier: ISC */
/* The web page's request bodies in the network child (netchild/webreq.c)
 * and what the child makes of them: whatever parses encodes as a WEB_REQ
 * the monitor's decoder takes, byte for byte the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/webmsg.h"
#include "netchild/webreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webmsg_req *q = calloc(1, sizeof(*q)), *q2 = calloc(1, sizeof(*q2));
	static uint8_t buf[WEBMSG_MAX];
	size_t len = 0;

	if (q == NULL || q2 == NULL)
		abort();
	q->call = WEBMSG_ACTIVATE;
	if (webreq_parse(q, (const char *)data, size) == 0) {
		/* Names the monitor refuses make a WEB_REQ it refuses too:
		 * the child's parser need not know them. */
		if (webmsg_encode_req(buf, &len, q) != 0)
			abort();
		if (webmsg_decode_req(q2, buf, len) == 0 && memcmp(q, q2, sizeof(*q)) != 0)
			abort();
	}
	free(q);
	free(q2);
	return 0;
}

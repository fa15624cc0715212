/* SPDX-License-Identifier: ISC */
/* The web page's monitor <-> child messages (common/webmsg.c), as a
 * compromised child (WEB_REQ) or a confused monitor (WEB_RESULT, WEB_CONF)
 * could send them: decoding ends in a message that encodes to the same
 * bytes, or a refusal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/actmsg.h"
#include "common/webmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[WEBMSG_CONF_MAX];
	size_t len = 0;
	int r = -1;

	switch (actmsg_type(data, size)) {
	case ACTMSG_WEB_REQ: {
		struct webmsg_req *m = malloc(sizeof(*m));

		if (m != NULL && webmsg_decode_req(m, data, size) == 0)
			r = webmsg_encode_req(again, &len, m);
		free(m);
		break;
	}
	case ACTMSG_WEB_RESULT: {
		struct webmsg_result *m = malloc(sizeof(*m));

		if (m != NULL && webmsg_decode_result(m, data, size) == 0)
			r = webmsg_encode_result(again, &len, m);
		free(m);
		break;
	}
	case ACTMSG_WEB_CONF: {
		struct webmsg_conf m;

		if (webmsg_decode_conf(&m, data, size) == 0)
			r = webmsg_encode_conf(again, &len, &m);
		break;
	}
	default:
		break;
	}
	if (r == 0 && (len != size || memcmp(again, data, size) != 0))
		abort();
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* The monitor's side of privilege separation: whatever a compromised
 * network child sends, decoding ends in a well-formed message or a refusal,
 * and what decodes encodes to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/actmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[ACTMSG_MAX];
	size_t len = 0;
	int r = -1;

	int type = actmsg_type(data, size);

	switch (type) {
	case ACTMSG_ACTIVATE:
	case ACTMSG_ENROLL:
	case ACTMSG_ADD_KEY:
	case ACTMSG_DEACTIVATE:
	case ACTMSG_STATUS: {
		struct actmsg_op *m = malloc(sizeof(*m));

		if (m != NULL && actmsg_decode_op(m, type, data, size) == 0)
			r = actmsg_encode_op(again, &len, type, m);
		free(m);
		break;
	}
	case ACTMSG_RESULT: {
		struct actmsg_result *m = malloc(sizeof(*m));

		if (m != NULL && actmsg_decode_result(m, data, size) == 0)
			r = actmsg_encode_result(again, &len, m);
		free(m);
		break;
	}
	case ACTMSG_STATS: {
		struct actstats st;

		if (actmsg_decode_stats(&st, data, size) == 0)
			r = actmsg_encode_stats(again, &len, &st);
		break;
	}
	case ACTMSG_INIT: {
		struct actmsg_init in;

		if (actmsg_decode_init(&in, data, size) == 0)
			r = actmsg_encode_init(again, &len, &in);
		break;
	}
	case ACTMSG_READY:
		if (size == 1) {
			actmsg_encode_ready(again, &len);
			r = 0;
		}
		break;
	default:
		break;
	}
	if (r == 0 && (len != size || memcmp(again, data, size) != 0))
		__builtin_trap();
	return 0;
}

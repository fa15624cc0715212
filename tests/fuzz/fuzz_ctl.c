/* SPDX-License-Identifier: ISC */
/* Control requests (what root clients send the daemon) and replies (what
 * the admin commands read): the first byte picks which. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[ERR_LEN];

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct ctl_request *req = malloc(sizeof(*req));

		if (req == NULL)
			return 0;
		if (ctl_request_parse(req, (const char *)data + 1, size - 1, err) == 0) {
			/* The daemon's handlers index args[0]. */
			if (req->nargs < 1)
				__builtin_trap();
			/* What parsed can be written again and parses the same. */
			struct strbuf sb;
			struct ctl_request *again = malloc(sizeof(*again));

			strbuf_init(&sb);
			for (int i = 0; i < req->nargs; i++)
				ctl_add_word(&sb, req->args[i]);
			for (int i = 0; i < req->nopts; i++)
				ctl_add_field(&sb, req->keys[i], req->vals[i]);
			if (again != NULL && !sb.failed &&
			    (ctl_request_parse(again, sb.buf, sb.len, err) != 0 ||
			     again->nargs != req->nargs || again->nopts != req->nopts))
				__builtin_trap();
			free(again);
			strbuf_finish(&sb);
		}
		free(req);
	} else {
		struct ctl_reply r;

		if (ctl_reply_parse(&r, (const char *)data + 1, size - 1) == 0)
			ctl_reply_finish(&r);
	}
	return 0;
}

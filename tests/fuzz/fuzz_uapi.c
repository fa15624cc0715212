/* SPDX-License-Identifier: ISC */
/*
 * The UAPI reply parser sees whatever the process behind
 * /var/run/wireguard/IF.sock writes. Parse the input as a get and a set
 * reply; when it parses, build a set request from the result as well.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wg/uapi.h"
#include "wg/uapi_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct wg_device *dev = NULL;
	size_t end = uapi_text_reply_end(buf, size);
	char err[ERR_LEN];
	struct strbuf req;

	if (end > size)
		__builtin_trap();
	if (uapi_text_parse_get(&dev, "fuzz0", buf, size, err) == 0) {
		if (dev == NULL || strcmp(dev->name, "fuzz0") != 0)
			__builtin_trap();
		dev->flags |= WGDEV_REPLACE_PEERS;
		for (struct wg_peer *p = dev->peers; p != NULL; p = p->next)
			p->flags |= WGPEER_REPLACE_ALLOWEDIPS;
		strbuf_init(&req);
		if (uapi_text_request_set(&req, dev, err) == 0) {
			if (req.len < 8 || memcmp(req.buf, "set=1\n", 6) != 0 ||
			    uapi_text_reply_end(req.buf, req.len) != req.len)
				__builtin_trap();
		}
		strbuf_finish(&req);
		wg_device_free(&dev);
	} else if (dev != NULL) {
		__builtin_trap();
	}
	uapi_text_parse_set("fuzz0", buf, size, err);
	return 0;
}

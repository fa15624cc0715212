/* SPDX-License-Identifier: ISC */
/*
 * The kernel backend's reply parsers on arbitrary bytes: a GET_DEVICE dump
 * (fed in two reads, split where the first byte says), an ack and a family
 * reply. Whatever they accept must be a device we can build again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wg/wgnl.h"
#include "wg/wgnl_msg.h"
#include "wg/wgnl_parse.h"

#define FAM 0x1a /* the corpus was made with this family id */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parser is handed reads of the kernel's socket: aligned buffers. */
static void *aligned_copy(const uint8_t *data, size_t size)
{
	void *p = malloc(size > 0 ? size : 1);

	if (p != NULL && size > 0)
		memcpy(p, data, size);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[4096];
	struct wgnl_msg_cursor c;
	struct wgnl_parse_dump d;
	uint8_t *buf = NULL;
	size_t cut;
	uint16_t fam;
	int ret;

	if (size < 1 || size > 65536)
		return 0;
	/* The first byte picks where the dump splits into two reads, 4-aligned
	 * as message boundaries are. */
	cut = ((size_t)data[0] * 4) % size;
	buf = aligned_copy(data + 1, size - 1);
	if (buf == NULL)
		return 0;
	size--;
	if (cut > size)
		cut = size;

	if (wgnl_parse_dump_init(&d, FAM) == 0) {
		ret = wgnl_parse_dump_feed(&d, buf, cut);
		if (ret == 0) {
			uint8_t *rest = aligned_copy(buf + cut, size - cut);

			if (rest != NULL)
				ret = wgnl_parse_dump_feed(&d, rest, size - cut);
			free(rest);
		}
		/* A device the parser accepted can be sent back. */
		if (ret == 1 && d.dev->name[0] != '\0') {
			wgnl_msg_cursor_init(&c, d.dev);
			while (wgnl_msg_set_device(&c, out, sizeof(out), FAM, 1) > 0)
				;
		}
		wgnl_parse_dump_finish(&d);
	}
	(void)wgnl_parse_ack(buf, size, 0);
	(void)wgnl_parse_getfamily(buf, size, &fam);
	free(buf);
	return 0;
}

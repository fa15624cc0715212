/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "render.h"

int render_svg(struct strbuf *out, const struct qr *q, int scale, int quiet)
{
	int full = q->size + 2 * quiet;

	if (scale < 1 || quiet < 0 || q->size < 1)
		return -EINVAL;
	strbuf_printf(out,
		      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		      "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
		      "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
		      "<path fill=\"#000\" d=\"",
		      full * scale, full * scale, full, full, full, full);
	/* Each horizontal run of dark modules is one closed rectangle. */
	for (int y = 0; y < q->size; y++) {
		const unsigned char *row = q->dark + (size_t)y * (size_t)q->size;

		for (int x = 0; x < q->size;) {
			int run = 0;

			while (x + run < q->size && row[x + run])
				run++;
			if (run > 0)
				strbuf_printf(out, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run,
					      run);
			x += run > 0 ? run : 1;
		}
	}
	strbuf_puts(out, "\"/>\n</svg>\n");
	return out->failed ? -ENOMEM : 0;
}

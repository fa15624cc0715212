/* SPDX-License-Identifier: ISC */
#include <errno.h>

#include "render.h"

/* U+2588 FULL BLOCK, U+2580 UPPER HALF BLOCK, U+2584 LOWER HALF BLOCK. */
static const char *const cell[4] = {
	" ",            /* both dark */
	"\xe2\x96\x84", /* lower light */
	"\xe2\x96\x80", /* upper light */
	"\xe2\x96\x88", /* both light */
};

int render_term_quiet(int size)
{
	int quiet = (TERM_COLUMNS - size) / 2;

	if (quiet < TERM_MIN_QUIET)
		return -ERANGE;
	return quiet > 4 ? 4 : quiet;
}

/* Is the module at (x, y) of the symbol with its quiet zone light? */
static int light(const struct qr *q, int quiet, int x, int y)
{
	int full = q->size + 2 * quiet;

	if (y >= full)
		return 0; /* below the last row: the terminal's own background */
	x -= quiet;
	y -= quiet;
	if (x < 0 || y < 0 || x >= q->size || y >= q->size)
		return 1;
	return !q->dark[(size_t)y * (size_t)q->size + (size_t)x];
}

int render_term(struct strbuf *out, const struct qr *q, int quiet, bool ansi)
{
	int full = q->size + 2 * quiet;

	if (quiet < 0)
		return -EINVAL;
	for (int y = 0; y < full; y += 2) {
		if (ansi)
			strbuf_puts(out, "\x1b[40;97m");
		for (int x = 0; x < full; x++) {
			int c = light(q, quiet, x, y) << 1 | light(q, quiet, x, y + 1);

			strbuf_puts(out, cell[c]);
		}
		strbuf_puts(out, ansi ? "\x1b[0m\n" : "\n");
	}
	return out->failed ? -ENOMEM : 0;
}

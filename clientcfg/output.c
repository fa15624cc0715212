/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "render.h"
#include "wg/wgq.h"

static const char *const names[] = {
	[FMT_CONF] = "conf",
	[FMT_QR] = "qr",
	[FMT_PNG] = "png",
	[FMT_SVG] = "svg",
};

int format_parse(const char *s, enum out_format *fmt)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*fmt = (enum out_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

int format_from_path(const char *path, enum out_format *fmt)
{
	const char *dot = strrchr(path, '.');

	if (dot == NULL || strchr(dot, '/') != NULL)
		return -ENOENT;
	if (strcmp(dot, ".conf") == 0)
		*fmt = FMT_CONF;
	else if (strcmp(dot, ".png") == 0)
		*fmt = FMT_PNG;
	else if (strcmp(dot, ".svg") == 0)
		*fmt = FMT_SVG;
	else
		return -ENOENT;
	return 0;
}

const char *format_name(enum out_format fmt)
{
	return (unsigned)fmt < sizeof(names) / sizeof(names[0]) ? names[fmt] : "?";
}

static int render_qr(struct buf *out, const char *text, enum out_format fmt, bool ansi, char *err,
		     size_t errlen)
{
	struct qr q;
	int ret;

	if (fmt != FMT_QR) {
		/* Images have room: M, what phone cameras read best at this density. */
		ret = qr_encode(&q, text, QR_ECLEVEL_M, QR_ECLEVEL_M, 0);
		if (ret == 0)
			ret = fmt == FMT_PNG ? render_png(out, &q, PNG_SCALE, IMAGE_QUIET)
					     : render_svg(out, &q, PNG_SCALE, IMAGE_QUIET);
		if (ret == -EMSGSIZE)
			snprintf(err, errlen, "the config is too long for a QR code");
		qr_finish(&q);
		return ret;
	}
	/* A terminal: M when it fits in 80 columns, else L. */
	ret = qr_encode(&q, text, QR_ECLEVEL_M, QR_ECLEVEL_L, TERM_COLUMNS - 2 * TERM_MIN_QUIET);
	if (ret == -EMSGSIZE) {
		snprintf(err, errlen,
			 "the QR code for this config is %d modules wide and does not fit a "
			 "%d-column "
			 "terminal; use --format png or svg",
			 q.size, TERM_COLUMNS);
	} else if (ret == 0) {
		ret = render_term(out, &q, term_quiet(q.size), ansi);
	}
	qr_finish(&q);
	return ret;
}

int render_output(struct buf *out, const struct wgq_config *c, enum out_format fmt, bool ansi,
		  char *err, size_t errlen)
{
	char text[WGQ_TEXT_MAX];
	size_t len = 0;
	int ret;

	ret = wgq_format(c, text, sizeof(text), &len, err);
	if (ret < 0)
		goto out;
	if (fmt == FMT_CONF)
		ret = buf_add(out, text, len);
	else
		ret = render_qr(out, text, fmt, ansi, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
out:
	sodium_memzero(text, sizeof(text));
	return ret;
}

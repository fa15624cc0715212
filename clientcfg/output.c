/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "output.h"
#include "render.h"
#include "wg/wgq.h"

static const char *const names[] = {
	[FMT_CONF] = "conf",
	[FMT_QR] = "qr",
	[FMT_PNG] = "png",
	[FMT_SVG] = "svg",
};

int output_format_parse(const char *s, enum output_format *fmt)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*fmt = (enum output_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

int output_format_from_path(const char *path, enum output_format *fmt)
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

const char *output_format_name(enum output_format fmt)
{
	return (unsigned)fmt < sizeof(names) / sizeof(names[0]) ? names[fmt] : "?";
}

static int output_qr(struct strbuf *out, const char *text, enum output_format fmt, bool ansi,
		     char err[ERR_LEN])
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
			text_err(err, "the config is too long for a QR code");
		qr_finish(&q);
		return ret;
	}
	/* A terminal: M when it fits in 80 columns, else L. */
	ret = qr_encode(&q, text, QR_ECLEVEL_M, QR_ECLEVEL_L, TERM_COLUMNS - 2 * TERM_MIN_QUIET);
	if (ret == -EMSGSIZE) {
		text_err(err,
			 "the QR code for this config is %d modules wide and does not fit a "
			 "%d-column "
			 "terminal; use --format png or svg",
			 q.size, TERM_COLUMNS);
	} else if (ret == 0) {
		ret = render_term_quiet(q.size);
		if (ret >= 0)
			ret = render_term(out, &q, ret, ansi);
	}
	qr_finish(&q);
	return ret;
}

int output_render(struct strbuf *out, const struct wgq_config *c, enum output_format fmt, bool ansi,
		  char err[ERR_LEN])
{
	char text[WGQ_TEXT_MAX];
	size_t len = 0;
	int ret;

	ret = wgq_format(c, text, sizeof(text), &len, err);
	if (ret < 0)
		goto out;
	if (fmt == FMT_CONF) {
		strbuf_add(out, text, len);
		ret = out->failed ? -ENOMEM : 0;
	} else {
		ret = output_qr(out, text, fmt, ansi, err);
	}
	if (ret == -ENOMEM)
		text_err(err, "out of memory");
out:
	sodium_memzero(text, sizeof(text));
	return ret;
}

/* SPDX-License-Identifier: ISC */
/* What clientcfg writes: the config itself or a QR code of it. */
#ifndef CLIENTCFG_OUTPUT_H
#define CLIENTCFG_OUTPUT_H

#include <stdbool.h>

#include "base/strbuf.h"
#include "base/text.h"

enum output_format {
	FMT_CONF,
	FMT_QR,
	FMT_PNG,
	FMT_SVG,
};

struct wgq_config;

/* "conf", "qr", "png", "svg"; -EINVAL for anything else. */
int output_format_parse(const char *s, enum output_format *fmt);
/* From a file name's extension (.conf, .png, .svg); -ENOENT when it says none. */
int output_format_from_path(const char *path, enum output_format *fmt);
const char *output_format_name(enum output_format fmt);

/*
 * The config c as fmt: its text, or a QR code of exactly that text for a
 * terminal (ansi: with its own colours) or as an image. Returns 0 or
 * -errno with one line in err (a terminal QR code that does not fit says
 * so and names the formats that do).
 */
int output_render(struct strbuf *out, const struct wgq_config *c, enum output_format fmt, bool ansi,
		  char err[ERR_LEN]);

#endif

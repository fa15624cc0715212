/* SPDX-License-Identifier: ISC */
/*
 * clientcfg's renderers of a QR symbol: a terminal (render_term.c), a PNG
 * (render_png.c), an SVG (render_svg.c). A config holds a private key, so
 * every buffer here is wiped when freed. All functions return 0 or -errno.
 */
#ifndef CLIENTCFG_RENDER_H
#define CLIENTCFG_RENDER_H

#include <stdbool.h>

#include "base/strbuf.h"
#include "qr.h"

#define TERM_COLUMNS   80
#define TERM_MIN_QUIET 2 /* terminals: a dark screen edge is no quiet zone, so keep some */
#define IMAGE_QUIET    4 /* what the QR standard asks for */
#define PNG_SCALE      8 /* pixels per module: phone cameras read it from a screen */

/* The quiet zone that fits a symbol of size modules in TERM_COLUMNS, up to
 * 4; -ERANGE when not even TERM_MIN_QUIET fits. */
int render_term_quiet(int size);
/*
 * UTF-8 half blocks, two module rows per line, light modules drawn as
 * blocks (for the usual dark terminal). With ansi, each line sets white on
 * black itself, so a light terminal shows it right too.
 */
int render_term(struct strbuf *out, const struct qr *q, int quiet, bool ansi);
/* A 1-bit greyscale PNG, scale pixels per module. */
int render_png(struct strbuf *out, const struct qr *q, int scale, int quiet);
/* One <path> of the dark modules on a white <rect>; scale sets width and
 * height in px, the viewBox counts modules. */
int render_svg(struct strbuf *out, const struct qr *q, int scale, int quiet);

#endif

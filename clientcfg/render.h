/* SPDX-License-Identifier: ISC */
/*
 * clientcfg's renderers. A config holds a private key, so every buffer
 * here is wiped when freed. All functions return 0 or -errno.
 */
#ifndef CLIENTCFG_RENDER_H
#define CLIENTCFG_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include <qrencode.h>

/* A growing byte buffer; buf_free wipes it. */
struct buf {
	unsigned char *data;
	size_t len, cap;
};

int buf_add(struct buf *b, const void *data, size_t len);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* A QR symbol as a square of modules. */
struct qr {
	int size; /* modules per side, without a quiet zone */
	int version;
	QRecLevel level;
	unsigned char *dark; /* size * size bytes, row by row, 1 = dark */
};

/*
 * Encodes text at the most robust level from `best` down to `worst` whose
 * symbol is at most max_size modules wide (0: any size). -EMSGSIZE when
 * none fits, with q->size set to the smallest size found (0 when the
 * text is too long for any QR code).
 */
int qr_encode(struct qr *q, const char *text, QRecLevel best, QRecLevel worst, int max_size);
void qr_finish(struct qr *q);
const char *qr_level_name(QRecLevel level);

#define TERM_COLUMNS   80
#define TERM_MIN_QUIET 2 /* terminals: a dark screen edge is no quiet zone, so keep some */
#define IMAGE_QUIET    4 /* what the QR standard asks for */
#define PNG_SCALE      8 /* pixels per module: phone cameras read it from a screen */

/* The quiet zone that fits a symbol of size modules in TERM_COLUMNS, up to
 * 4; -1 when not even TERM_MIN_QUIET fits. */
int term_quiet(int size);
/*
 * UTF-8 half blocks, two module rows per line, light modules drawn as
 * blocks (for the usual dark terminal). With ansi, each line sets white on
 * black itself, so a light terminal shows it right too.
 */
int render_term(struct buf *out, const struct qr *q, int quiet, bool ansi);
/* A 1-bit greyscale PNG, scale pixels per module. */
int render_png(struct buf *out, const struct qr *q, int scale, int quiet);
/* One <path> of the dark modules on a white <rect>; scale sets width and
 * height in px, the viewBox counts modules. */
int render_svg(struct buf *out, const struct qr *q, int scale, int quiet);

enum out_format {
	FMT_CONF,
	FMT_QR,
	FMT_PNG,
	FMT_SVG,
};

struct wgq_config;

/* "conf", "qr", "png", "svg"; -EINVAL for anything else. */
int format_parse(const char *s, enum out_format *fmt);
/* From a file name's extension (.conf, .png, .svg); -ENOENT when it says none. */
int format_from_path(const char *path, enum out_format *fmt);
const char *format_name(enum out_format fmt);

/*
 * The config c as fmt: its text, or a QR code of exactly that text for a
 * terminal (ansi: with its own colours) or as an image. On failure, one
 * line in err (a terminal QR code that does not fit says so and names the
 * formats that do).
 */
int render_output(struct buf *out, const struct wgq_config *c, enum out_format fmt, bool ansi,
		  char *err, size_t errlen);

#endif

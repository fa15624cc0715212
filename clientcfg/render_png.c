/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>

#include <png.h>
#include <sodium.h>

#include "render.h"

/* Far more than any phone needs; keeps width * height sane. */
#define PNG_MAX_SIDE 8192

static void sink_write(png_structp png, png_bytep data, size_t len)
{
	struct strbuf *out = png_get_io_ptr(png);

	strbuf_add(out, (const char *)data, len);
	if (out->failed)
		png_error(png, "out of memory");
}

static void sink_flush(png_structp png)
{
}

/* libpng prints by default; our caller says what failed in one line. */
static void png_fail(png_structp png, png_const_charp msg)
{
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
}

static void fill_row(unsigned char *row, size_t rowbytes, const struct qr *q, int scale, int quiet,
		     int py)
{
	int my = py / scale - quiet, side = (q->size + 2 * quiet) * scale;

	for (size_t i = 0; i < rowbytes; i++)
		row[i] = 0;
	for (int px = 0; px < side; px++) {
		int mx = px / scale - quiet;
		int dark = mx >= 0 && my >= 0 && mx < q->size && my < q->size &&
			   q->dark[(size_t)my * (size_t)q->size + (size_t)mx];

		/* Grey 1 bit: 1 is white; the first pixel is the top bit. */
		if (!dark)
			row[px / 8] |= (unsigned char)(0x80 >> (px % 8));
	}
}

int render_png(struct strbuf *out, const struct qr *q, int scale, int quiet)
{
	png_structp png = NULL;
	png_infop info = NULL;
	unsigned char *row = NULL;
	size_t rowbytes;
	int side, ret;

	if (scale < 1 || quiet < 0 || q->size < 1 || (q->size + 2 * quiet) > PNG_MAX_SIDE / scale)
		return -EINVAL;
	side = (q->size + 2 * quiet) * scale;
	rowbytes = ((size_t)side + 7) / 8;
	row = malloc(rowbytes);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_warn);
	if (png != NULL)
		info = png_create_info_struct(png);
	if (row == NULL || png == NULL || info == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (setjmp(png_jmpbuf(png))) {
		ret = out->failed ? -ENOMEM : -EIO;
		goto fail;
	}
	png_set_write_fn(png, out, sink_write, sink_flush);
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < side; y++) {
		fill_row(row, rowbytes, q, scale, quiet, y);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ret = 0;
fail:
	png_destroy_write_struct(&png, &info);
	if (row != NULL)
		sodium_memzero(row, rowbytes);
	free(row);
	return ret;
}

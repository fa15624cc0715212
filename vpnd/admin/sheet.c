/* SPDX-License-Identifier: ISC */
/* The enrollment sheet (sheet.h), drawn with clientcfg's QR code. */
#include <errno.h>
#include <string.h>

#include "admin/sheet.h"
#include "qr.h"
#include "render.h"

/* Millimetres of an A4 page, the SVG's user units. */
#define PAGE_W    210
#define PAGE_H    297
#define QR_MM     90
#define LINK_COLS 56 /* characters of the link per line at its font size */

static void put_escaped(struct strbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		switch (s[i]) {
		case '<':
			strbuf_puts(sb, "&lt;");
			break;
		case '>':
			strbuf_puts(sb, "&gt;");
			break;
		case '&':
			strbuf_puts(sb, "&amp;");
			break;
		case '"':
			strbuf_puts(sb, "&quot;");
			break;
		default:
			strbuf_printf(sb, "%c", s[i]);
		}
	}
}

static void text_line(struct strbuf *sb, int y, int size, const char *font, const char *s, size_t n)
{
	strbuf_printf(sb, "<text x=\"20\" y=\"%d\" font-family=\"%s\" font-size=\"%d\">", y, font,
		      size);
	put_escaped(sb, s, n);
	strbuf_puts(sb, "</text>\n");
}

int sheet_svg(struct strbuf *out, const char *owner, const char *peer, const char *link,
	      bool mobile, char err[ERR_LEN])
{
	static const char *const laptop_lines[3] = {
		"1. On your laptop, as root, with your security key plugged in:",
		"2. run  enroll register 'LINK'  (the link above) and touch the key.",
		"3. Each morning: enroll up and a touch; then read mail as before.",
	};
	static const char *const phone_lines[3] = {
		"1. Scan the code with your phone's camera and open the link.",
		"2. Touch your security key (or hold it to the phone) when the page asks.",
		"3. Each morning: open the same site, touch the key, then read mail.",
	};
	const char *const *lines = mobile ? phone_lines : laptop_lines;
	struct strbuf sym;
	struct qr q;
	const char *svg;
	size_t len = strlen(link);
	int y, ret, modules;

	ret = qr_encode(&q, link, QR_ECLEVEL_M, QR_ECLEVEL_L, 0);
	if (ret < 0) {
		text_err(err, "the link of %s is too long for a QR code", peer);
		return ret;
	}
	strbuf_init(&sym);
	ret = render_svg(&sym, &q, 1, 4);
	modules = q.size + 8;
	qr_finish(&q);
	if (ret < 0) {
		strbuf_finish(&sym);
		text_err(err, "out of memory");
		return ret;
	}
	strbuf_printf(out,
		      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%dmm\" height=\"%dmm\" "
		      "viewBox=\"0 0 %d %d\">\n"
		      "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n",
		      PAGE_W, PAGE_H, PAGE_W, PAGE_H, PAGE_W, PAGE_H);
	text_line(out, 30, 9, "sans-serif", "Mail access for", 15);
	text_line(out, 44, 12, "sans-serif", owner, strlen(owner));
	strbuf_puts(out, "<text x=\"20\" y=\"54\" font-family=\"sans-serif\" font-size=\"5\">");
	strbuf_puts(out, "Device: ");
	put_escaped(out, peer, strlen(peer));
	strbuf_puts(out, mobile ? " (phone)" : " (laptop)");
	strbuf_puts(out, "</text>\n");
	/* clientcfg's symbol, one user unit a module, scaled to QR_MM; its
	 * own XML declaration cannot stand inside another document. */
	svg = strstr(sym.buf, "<svg");
	strbuf_printf(out, "<g transform=\"translate(%d 62) scale(%g)\">\n", (PAGE_W - QR_MM) / 2,
		      (double)QR_MM / modules);
	strbuf_puts(out, svg != NULL ? svg : "");
	strbuf_puts(out, "</g>\n");
	strbuf_finish(&sym);
	y = 62 + QR_MM + 12;
	for (size_t off = 0; off < len; off += LINK_COLS, y += 6)
		text_line(out, y, 4, "monospace", link + off, LINK_COLS);
	y += 8;
	for (int i = 0; i < 3; i++, y += 8)
		text_line(out, y, 5, "sans-serif", lines[i], strlen(lines[i]));
	text_line(out, PAGE_H - 20, 4, "sans-serif",
		  "This link works once and expires; keep the page to yourself until used.", 72);
	strbuf_puts(out, "</svg>\n");
	return out->failed ? -ENOMEM : 0;
}

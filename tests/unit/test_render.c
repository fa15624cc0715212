/* SPDX-License-Identifier: ISC */
/*
 * clientcfg's renderers: the terminal QR code fits 80 columns and reads
 * back as the same symbol; the PNG and the SVG decode (zbarimg, and
 * rsvg-convert for the SVG) back to exactly the config text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "output.h"
#include "render.h"
#include "wg/wgq.h"

/* A realistic phone config: random keys, both address families, a long
 * host name. */
static void make_config(struct wgq_config *c, bool dual_stack)
{
	wgq_config_init(c);
	strcpy(c->name, "alice-phone");
	key_generate_private(c->private_key);
	key_generate_private(c->public_key);
	key_generate_preshared(c->preshared_key);
	c->flags = WGQ_HAS_PRIVATE_KEY | WGQ_HAS_PEER | WGQ_HAS_PRESHARED_KEY | WGQ_HAS_KEEPALIVE;
	assert_int_equal(wgq_prefix_parse(&c->addrs[c->n_addrs++], "10.77.0.123/32"), 0);
	strcpy(c->dns[c->n_dns++], "10.77.0.1");
	strcpy(c->endpoint, "mail-gateway.example.org:51820");
	assert_int_equal(wgq_prefix_parse(&c->allowedips[c->n_allowedips++], "10.77.0.0/24"), 0);
	if (dual_stack) {
		assert_int_equal(wgq_prefix_parse(&c->addrs[c->n_addrs++], "fd77::123/128"), 0);
		assert_int_equal(wgq_prefix_parse(&c->allowedips[c->n_allowedips++], "fd77::/64"),
				 0);
	}
	c->keepalive = 25;
}

static void config_text(const struct wgq_config *c, char *text)
{
	size_t len;
	char err[ERR_LEN];

	assert_int_equal(wgq_format(c, text, WGQ_TEXT_MAX, &len, err), 0);
}

/* Code points on a line, ANSI colour sequences left out. */
static int line_columns(const char *s, size_t n)
{
	int cols = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\x1b') {
			while (i < n && s[i] != 'm')
				i++;
			continue;
		}
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cols++;
	}
	return cols;
}

/* Reads half blocks back into light (1) / dark (0) modules. */
static void term_read_back(const struct strbuf *b, int full, unsigned char *light)
{
	const char *p = b->buf, *end = p + b->len;
	int y = 0, x = 0;

	while (p < end) {
		int top, bottom;

		if (*p == '\x1b') {
			p = strchr(p, 'm') + 1;
			continue;
		}
		if (*p == '\n') {
			assert_int_equal(x, full);
			x = 0;
			y += 2;
			p++;
			continue;
		}
		if (*p == ' ') {
			top = bottom = 0;
			p++;
		} else {
			assert_true(end - p >= 3 && memcmp(p, "\xe2\x96", 2) == 0);
			top = p[2] == '\x88' || p[2] == '\x80';
			bottom = p[2] == '\x88' || p[2] == '\x84';
			p += 3;
		}
		assert_true(x < full);
		light[y * full + x] = (unsigned char)top;
		if (y + 1 < full)
			light[(y + 1) * full + x] = (unsigned char)bottom;
		x++;
	}
	assert_int_equal(y, full + (full % 2));
}

static void check_term(bool dual_stack, bool ansi, QRecLevel want)
{
	struct wgq_config c;
	char text[WGQ_TEXT_MAX], err[ERR_LEN];
	struct strbuf out = {0};
	struct qr q;
	unsigned char *light;
	int full, quiet;

	make_config(&c, dual_stack);
	config_text(&c, text);
	assert_int_equal(output_render(&out, &c, FMT_QR, ansi, err), 0);
	for (const char *l = out.buf; *l != '\0';) {
		const char *nl = strchr(l, '\n');

		assert_non_null(nl);
		assert_true(line_columns(l, (size_t)(nl - l)) <= TERM_COLUMNS);
		l = nl + 1;
	}
	/* The same symbol, at the level expected, quiet zone >= 2. */
	assert_int_equal(qr_encode(&q, text, want, want, 0), 0);
	quiet = render_term_quiet(q.size);
	assert_true(quiet >= TERM_MIN_QUIET);
	full = q.size + 2 * quiet;
	light = calloc((size_t)full * (size_t)full, 1);
	assert_non_null(light);
	term_read_back(&out, full, light);
	for (int y = 0; y < full; y++) {
		for (int x = 0; x < full; x++) {
			int mx = x - quiet, my = y - quiet;
			int dark = mx >= 0 && my >= 0 && mx < q.size && my < q.size &&
				   q.dark[my * q.size + mx];

			if (light[y * full + x] == dark)
				fail_msg("module %d,%d differs", x, y);
		}
	}
	free(light);
	qr_finish(&q);
	strbuf_finish(&out);
	wgq_config_finish(&c);
}

static void test_term_v4(void **state)
{
	/* 10.77.0.123/32 alone fits at M: 73 modules. */
	check_term(false, false, QR_ECLEVEL_M);
}

static void test_term_dual_stack_ansi(void **state)
{
	/* With IPv6 too, M would need 77 modules + 4: L, 69 modules. */
	check_term(true, true, QR_ECLEVEL_L);
}

static void test_term_too_big(void **state)
{
	struct wgq_config c;
	struct strbuf out = {0};
	char err[ERR_LEN];

	make_config(&c, true);
	for (int i = 0; c.n_allowedips < WGQ_MAX_ALLOWEDIPS; i++) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:%x:%x::/64", i, (i * 7919) & 0xffff);
		assert_int_equal(wgq_prefix_parse(&c.allowedips[c.n_allowedips++], s), 0);
	}
	assert_int_equal(output_render(&out, &c, FMT_QR, false, err), -EMSGSIZE);
	assert_non_null(strstr(err, "does not fit a 80-column terminal; use --format png or svg"));
	assert_int_equal(out.len, 0);
	/* The image formats take it. */
	assert_int_equal(output_render(&out, &c, FMT_PNG, false, err), 0);
	strbuf_finish(&out);
	wgq_config_finish(&c);
}

/* Writes data to a file in dir and returns zbarimg's reading of cmd. */
static void decode(const char *cmd, char *got, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	assert_non_null(p);
	n = fread(got, 1, size - 1, p);
	got[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

static void check_image(enum output_format fmt)
{
	char dir[] = "/tmp/keygate-test-render-XXXXXX", path[128], cmd[512];
	char text[WGQ_TEXT_MAX], got[WGQ_TEXT_MAX + 2], err[ERR_LEN];
	struct wgq_config c;
	struct strbuf out = {0};
	FILE *f;

	make_config(&c, true);
	config_text(&c, text);
	assert_int_equal(output_render(&out, &c, fmt, false, err), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/phone.%s", dir, output_format_name(fmt));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(out.buf, 1, out.len, f), out.len);
	fclose(f);
	if (fmt == FMT_SVG)
		snprintf(cmd, sizeof(cmd),
			 "rsvg-convert -o '%s/svg.png' '%s' && zbarimg -q --nodbus --raw -Sbinary "
			 "'%s/svg.png'",
			 dir, path, dir);
	else
		snprintf(cmd, sizeof(cmd), "zbarimg -q --nodbus --raw -Sbinary '%s'", path);
	decode(cmd, got, sizeof(got));
	/* zbarimg ends its output with a newline of its own. */
	assert_string_equal(got, text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	strbuf_finish(&out);
	wgq_config_finish(&c);
}

static void test_png_decodes(void **state)
{
	check_image(FMT_PNG);
}

static void test_svg_decodes(void **state)
{
	check_image(FMT_SVG);
}

static void test_svg_is_one_path(void **state)
{
	struct wgq_config c;
	struct strbuf out = {0};
	char err[ERR_LEN];
	const char *s;

	make_config(&c, false);
	assert_int_equal(output_render(&out, &c, FMT_SVG, false, err), 0);
	s = out.buf;
	assert_non_null(strstr(s, "<path "));
	assert_null(strstr(strstr(s, "<path ") + 1, "<path "));
	assert_non_null(strstr(s, "</svg>\n"));
	strbuf_finish(&out);
	wgq_config_finish(&c);
}

static void test_formats(void **state)
{
	enum output_format f;

	assert_int_equal(output_format_parse("svg", &f), 0);
	assert_int_equal(f, FMT_SVG);
	assert_int_equal(output_format_parse("jpeg", &f), -EINVAL);
	assert_int_equal(output_format_from_path("/tmp/a.b/phone.png", &f), 0);
	assert_int_equal(f, FMT_PNG);
	assert_int_equal(output_format_from_path("/tmp/a.png/phone", &f), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term_v4),      cmocka_unit_test(test_term_dual_stack_ansi),
		cmocka_unit_test(test_term_too_big), cmocka_unit_test(test_png_decodes),
		cmocka_unit_test(test_svg_decodes),  cmocka_unit_test(test_svg_is_one_path),
		cmocka_unit_test(test_formats),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

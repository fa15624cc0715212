/* SPDX-License-Identifier: ISC */
/*
 * clientcfg-sample FORMAT [v4|dual|full]: a realistic phone config with
 * fresh keys, rendered by clientcfg's own renderers, on stdout. For the
 * tests that feed it to wg-quick, wg and zbarimg before a vpnd runs.
 */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "wgquick.h"

static void add(struct wgq_prefix *list, size_t *n, const char *s)
{
	wgq_prefix_parse(&list[(*n)++], s);
}

int main(int argc, char **argv)
{
	const char *shape = argc > 2 ? argv[2] : "v4";
	struct wgq_config c;
	struct buf out = {0};
	enum out_format fmt;
	char err[512];
	int ret;

	if (argc < 2 || format_parse(argv[1], &fmt) < 0 || keys_init() < 0) {
		fprintf(stderr, "usage: clientcfg-sample conf|qr|png|svg [v4|dual|full]\n");
		return 2;
	}
	wgq_config_init(&c);
	strcpy(c.name, "alice-phone");
	key_generate_private(c.private_key);
	key_generate_private(c.public_key);
	key_generate_preshared(c.preshared_key);
	c.flags = WGQ_HAS_PRIVATE_KEY | WGQ_HAS_PEER | WGQ_HAS_PRESHARED_KEY | WGQ_HAS_KEEPALIVE;
	c.keepalive = 25;
	strcpy(c.endpoint, "192.0.2.1:51820");
	strcpy(c.dns[c.n_dns++], "10.77.0.1");
	add(c.addrs, &c.n_addrs, "10.77.0.123/32");
	if (strcmp(shape, "full") == 0) {
		add(c.allowedips, &c.n_allowedips, "0.0.0.0/0");
		add(c.allowedips, &c.n_allowedips, "::/0");
	} else {
		add(c.allowedips, &c.n_allowedips, "10.77.0.0/24");
	}
	if (strcmp(shape, "dual") == 0) {
		add(c.addrs, &c.n_addrs, "fd77::123/128");
		add(c.allowedips, &c.n_allowedips, "fd77::/64");
	}
	ret = render_output(&out, &c, fmt, false, err, sizeof(err));
	if (ret < 0)
		fprintf(stderr, "clientcfg-sample: %s\n", err);
	else
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	wgq_config_finish(&c);
	return ret < 0 ? 1 : 0;
}

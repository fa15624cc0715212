/* SPDX-License-Identifier: ISC */
/*
 * A peer enrolled before its gateway's interface had a network of the
 * other family (docs/admin-guide.md, "A dual-stack tunnel") has one
 * address in IF.conf; the gateway gave it a second at its next start and
 * says so in every activation reply. `enroll up` takes it into IF.conf
 * before wg-quick brings the tunnel up, so the user does nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/outfile.h"
#include "state.h"
#include "tunnel_addr.h"

int tunnel_addr_parse(struct wgq_prefix *out, size_t max, size_t *n, const char *list)
{
	char item[64];
	const char *p = list;

	*n = 0;
	while (*p != '\0') {
		size_t len;

		p += strspn(p, ", ");
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0)
			break;
		if (len >= sizeof(item) || *n == max)
			return -EINVAL;
		memcpy(item, p, len);
		item[len] = '\0';
		if (wgq_prefix_parse(&out[(*n)++], item) < 0)
			return -EINVAL;
		p += len;
		p += strcspn(p, ",");
	}
	return *n > 0 ? 0 : -EINVAL;
}

static bool prefix_equal(const struct wgq_prefix *a, const struct wgq_prefix *b)
{
	return a->family == b->family && a->cidr == b->cidr &&
	       memcmp(&a->ip6, &b->ip6, a->family == AF_INET ? 4 : 16) == 0;
}

static bool has(const struct wgq_config *c, const struct wgq_prefix *a)
{
	for (size_t i = 0; i < c->n_addrs; i++)
		if (prefix_equal(&c->addrs[i], a))
			return true;
	return false;
}

int tunnel_addr_update(const struct enroll_opts *o, const char *list)
{
	char path[512], text[WGQ_TEXT_MAX], err[ERR_LEN];
	struct wgq_prefix want[WGQ_MAX_ADDRS];
	struct wgq_config c;
	size_t n, nwant, len = 0;
	bool missing = false;
	FILE *f;
	int r = 0;

	if (tunnel_addr_parse(want, WGQ_MAX_ADDRS, &nwant, list) < 0 ||
	    state_path(path, sizeof(path), o, "conf") < 0)
		return 0;
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	wgq_config_init(&c);
	/* A config enroll cannot read back whole (edited by hand) stays. */
	if (n == sizeof(text) || wgq_parse(&c, text, n, err) < 0)
		goto out;
	for (size_t i = 0; i < nwant; i++)
		missing |= !has(&c, &want[i]);
	if (!missing)
		goto out;
	memcpy(c.addrs, want, nwant * sizeof(want[0]));
	c.n_addrs = nwant;
	if (wgq_format(&c, text, sizeof(text), &len, err) < 0)
		goto out;
	r = outfile_write_all(path, text, len, 0600, OUTFILE_REPLACE);
	if (r < 0) {
		fprintf(stderr, "enroll: cannot write %s: %s\n", path, strerror(-r));
		goto out;
	}
	printf("%s now has the addresses the gateway gave this peer: %s\n", path, list);
	r = 1;
out:
	wgq_config_finish(&c);
	sodium_memzero(text, sizeof(text));
	return r;
}

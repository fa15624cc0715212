/* SPDX-License-Identifier: ISC */
/* The registry's text files: loaded (registry_parse.c parses them) and
 * written (atomically), in the format registry_parse.c reads. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "base/duration.h"
#include "state/registry.h"
#include "base/strbuf.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char *file_name(enum reg_file which)
{
	return which == REG_OWNERS ? "owners" : which == REG_PEERS ? "peers" : "codes";
}

int registry_load(struct registry *r, char err[ERR_LEN])
{
	static const enum reg_file order[] = {REG_OWNERS, REG_PEERS, REG_CODES};
	char path[4200];
	const char *text;
	size_t len;
	int ret;

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, file_name(order[i]));
		ret = atomicfile_map(path, &text, &len, REG_FILE_MAX);
		if (ret == -ENOENT)
			continue;
		if (ret < 0) {
			text_err(err, "cannot read %s: %s", path, strerror(-ret));
			return ret;
		}
		if (order[i] == REG_PEERS) {
			/* About 160 bytes a line: size the indexes once. */
			htab_reserve(&r->peer_by_name, len / 160);
			htab_reserve(&r->peer_by_key, len / 160);
			htab_reserve(&r->peer_by_addr, len / 160);
		}
		ret = registry_parse(r, order[i], text, len, path, err);
		atomicfile_unmap(text, len);
		if (ret < 0)
			return ret;
	}
	r->dirty = 0;
	return 0;
}

static void fmt_duration(struct strbuf *sb, const char *key, int64_t v)
{
	char d[24];

	if (v == REG_INHERIT)
		snprintf(d, sizeof(d), "-");
	else if (v == 0)
		snprintf(d, sizeof(d), "off");
	else
		duration_format(d, sizeof(d), (uint64_t)v);
	strbuf_printf(sb, " %s=%s", key, d);
}

static void fmt_b64(struct strbuf *sb, const uint8_t *b, size_t len, int variant)
{
	char buf[2 * REG_CREDID_MAX];

	sodium_bin2base64(buf, sizeof(buf), b, len, variant);
	strbuf_puts(sb, buf);
}

static size_t fmt_owners(const struct registry *r, struct strbuf *sb)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_owners; i++) {
		const struct reg_owner *o = r->owners[i];

		strbuf_printf(sb, "owner %s require-uv=%s", o->name, o->require_uv ? "yes" : "no");
		fmt_duration(sb, "window", o->window);
		fmt_duration(sb, "idle", o->idle);
		strbuf_puts(sb, "\n");
		n++;
		for (const struct reg_cred *c = o->creds; c != NULL; c = c->next, n++) {
			strbuf_printf(sb, "key %s id=%s alg=%s public-key=", o->name, c->id,
				      registry_alg_name(c->alg));
			fmt_b64(sb, c->pubkey, c->pubkey_len, sodium_base64_VARIANT_ORIGINAL);
			strbuf_puts(sb, " credential=");
			fmt_b64(sb, c->credid, c->credid_len, B64URL);
			strbuf_printf(sb, " counter=%" PRIu32 " state=%s added=%" PRId64 "\n",
				      c->counter, c->revoked ? "revoked" : "active", c->added);
		}
	}
	return n;
}

static size_t fmt_peers(const struct registry *r, struct strbuf *sb)
{
	char addr[IPADDR_STR_LEN];
	struct reg_peer **sorted;
	key_b64_t k;

	/* Sorted by name, so that people and diff can read the file. */
	if (registry_peers_sorted(r, &sorted) < 0) {
		sb->failed = true;
		return 0;
	}
	for (size_t i = 0; i < r->n_peers; i++) {
		const struct reg_peer *p = sorted[i];

		ipaddr_format(&p->addr, addr, sizeof(addr), false);
		if (p->has_key)
			key_to_base64(k, p->key);
		strbuf_printf(sb, "peer %s owner=%s kind=%s public-key=%s address=%s", p->name,
			      p->owner->name, registry_kind_name(p->kind), p->has_key ? k : "-",
			      addr);
		fmt_duration(sb, "window", p->window);
		fmt_duration(sb, "idle", p->idle);
		strbuf_printf(sb, " state=%s psk=", p->disabled ? "disabled" : "enabled");
		if (p->psk != NULL) {
			key_to_base64(k, p->psk);
			strbuf_puts(sb, k);
			sodium_memzero(k, sizeof(k));
		} else {
			strbuf_puts(sb, "-");
		}
		strbuf_printf(sb, " added=%" PRId64 "\n", p->added);
	}
	free(sorted);
	return r->n_peers;
}

static size_t fmt_codes(const struct registry *r, struct strbuf *sb)
{
	char hex[2 * ENROLLCODE_HASH_LEN + 1];

	for (size_t i = 0; i < r->n_codes; i++) {
		sodium_bin2hex(hex, sizeof(hex), r->codes[i]->hash, ENROLLCODE_HASH_LEN);
		strbuf_printf(sb, "code %s peer=%s expires=%" PRId64 "\n", hex, r->codes[i]->peer,
			      r->codes[i]->expires);
	}
	return r->n_codes;
}

void registry_format(const struct registry *r, enum reg_file which, struct strbuf *sb)
{
	size_t n;

	strbuf_printf(sb,
		      "# keygate registry: %s. Written by vpnd; edit only while vpnd is "
		      "stopped, or send it SIGHUP after.\n",
		      file_name(which));
	if (which == REG_OWNERS)
		n = fmt_owners(r, sb);
	else if (which == REG_PEERS)
		n = fmt_peers(r, sb);
	else
		n = fmt_codes(r, sb);
	strbuf_printf(sb, "end %zu\n", n);
}

int registry_save(struct registry *r)
{
	static const enum reg_file order[] = {REG_OWNERS, REG_PEERS, REG_CODES};
	char path[4200];
	int ret = 0;

	for (int i = 0; i < 3; i++) {
		struct strbuf sb;

		if (!(r->dirty & order[i]))
			continue;
		strbuf_init(&sb);
		registry_format(r, order[i], &sb);
		snprintf(path, sizeof(path), "%s/%s", r->dir, file_name(order[i]));
		ret = sb.failed ? -ENOMEM : atomicfile_write(path, sb.buf, sb.len, 0600);
		strbuf_finish(&sb);
		if (ret < 0)
			return ret;
		r->dirty &= ~(unsigned)order[i];
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* The registry's text files, written: each replaced atomically. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "base/duration.h"
#include "state/registry.h"
#include "base/strbuf.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

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
		if (o->mail_logins[0] != '\0')
			strbuf_printf(sb, " mail-login=%s", o->mail_logins);
		strbuf_puts(sb, "\n");
		n++;
		for (const struct reg_cred *c = o->creds; c != NULL; c = c->next, n++) {
			strbuf_printf(sb, "key %s id=%s alg=%s public-key=", o->name, c->id,
				      registry_alg_name(c->alg));
			fmt_b64(sb, c->pubkey, c->pubkey_len, sodium_base64_VARIANT_ORIGINAL);
			strbuf_puts(sb, " credential=");
			fmt_b64(sb, c->credid, c->credid_len, B64URL);
			strbuf_printf(sb,
				      " counter=%" PRIu32 " state=%s added=%" PRId64
				      " by-key=%s by-device=%s\n",
				      c->counter, c->revoked ? "revoked" : "active", c->added,
				      c->by_key[0] != '\0' ? c->by_key : "-",
				      c->by_device[0] != '\0' ? c->by_device : "-");
		}
	}
	return n;
}

static size_t fmt_peers(const struct registry *r, struct strbuf *sb)
{
	char addr[IPADDR_LIST_STR_LEN];
	struct reg_peer **sorted;
	key_b64_t k;

	/* Sorted by name, so that people and diff can read the file. */
	if (registry_peers_sorted(r, &sorted) < 0) {
		sb->failed = true;
		return 0;
	}
	for (size_t i = 0; i < r->n_peers; i++) {
		const struct reg_peer *p = sorted[i];

		registry_addr_text(p, addr, false);
		if (p->has_key)
			key_to_base64(k, p->key);
		strbuf_printf(sb, "peer %s owner=%s kind=%s public-key=%s address=%s", p->name,
			      p->owner->name, registry_kind_name(p->kind), p->has_key ? k : "-",
			      addr);
		fmt_duration(sb, "window", p->window);
		fmt_duration(sb, "idle", p->idle);
		/* Only when set, so files without one read as before. */
		if (p->keepalive != REG_INHERIT)
			strbuf_printf(sb, " keepalive=%" PRId32, p->keepalive);
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
		strbuf_printf(sb, "code %s peer=%s expires=%" PRId64 " new-key=%s\n", hex,
			      r->codes[i]->peer, r->codes[i]->expires,
			      r->codes[i]->new_key ? "yes" : "no");
	}
	return r->n_codes;
}

void registry_format(const struct registry *r, enum reg_file which, struct strbuf *sb)
{
	size_t n;

	strbuf_printf(sb,
		      "# keygate registry: %s. Written by vpnd; edit only while vpnd is "
		      "stopped, or send it SIGHUP after.\n",
		      registry_file_name(which));
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
		snprintf(path, sizeof(path), "%s/%s", r->dir, registry_file_name(order[i]));
		ret = sb.failed ? -ENOMEM : atomicfile_write(path, sb.buf, sb.len, 0600);
		strbuf_finish(&sb);
		if (ret < 0)
			return ret;
		r->dirty &= ~(unsigned)order[i];
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
/*
 * The registry's credentials (registry.h): an owner's security keys, each
 * named by an ID that is a hash of the whole credential (docs/registry.md).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/clock.h"
#include "state/registry.h"

void registry_cred_id(char id[REG_CRED_ID_LEN + 1], enum reg_alg alg, const uint8_t *pubkey,
		      size_t pubkey_len, const uint8_t *credid, size_t credid_len)
{
	static const char label[] = "keygate-key-id-v1"; /* with its NUL: the separator */
	const char *name = registry_alg_name(alg);
	uint8_t h[REG_CRED_ID_LEN / 2], len[2];
	crypto_generichash_state st;

	/* An ES256 key kept with its 0x04 prefix is the same key without. */
	if (pubkey_len == 65 && pubkey[0] == 0x04) {
		pubkey++;
		pubkey_len--;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label));
	crypto_generichash_update(&st, (const uint8_t *)name, strlen(name) + 1);
	len[0] = (uint8_t)pubkey_len;
	crypto_generichash_update(&st, len, 1);
	crypto_generichash_update(&st, pubkey, pubkey_len);
	len[0] = (uint8_t)(credid_len >> 8);
	len[1] = (uint8_t)credid_len;
	crypto_generichash_update(&st, len, 2);
	crypto_generichash_update(&st, credid, credid_len);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(id, REG_CRED_ID_LEN + 1, h, sizeof(h));
}

void registry_cred_legacy_id(char id[REG_CRED_ID_LEGACY + 1], const uint8_t *credid,
			     size_t credid_len)
{
	uint8_t h[REG_CRED_ID_LEGACY / 2];

	crypto_generichash(h, sizeof(h), credid, credid_len, NULL, 0);
	sodium_bin2hex(id, REG_CRED_ID_LEGACY + 1, h, sizeof(h));
}

int registry_cred_add(struct registry *r, struct reg_owner *o, enum reg_alg alg,
		      const uint8_t *pubkey, size_t pubkey_len, const uint8_t *credid,
		      size_t credid_len, struct reg_cred **out)
{
	char id[REG_CRED_ID_LEN + 1];
	struct reg_cred *c, **tail;

	if (pubkey_len == 0 || pubkey_len > REG_CRED_PK_MAX || credid_len == 0 ||
	    credid_len > REG_CREDID_MAX)
		return -EINVAL;
	registry_cred_id(id, alg, pubkey, pubkey_len, credid, credid_len);
	/* One credential, one ID: a command that names it reaches no other. */
	if (registry_cred_find_credid(o, credid, credid_len) != NULL ||
	    registry_cred_find(o, id) != NULL)
		return -EEXIST;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->credid = malloc(credid_len)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	memcpy(c->id, id, sizeof(c->id));
	c->alg = alg;
	memcpy(c->pubkey, pubkey, pubkey_len);
	c->pubkey_len = pubkey_len;
	memcpy(c->credid, credid, credid_len);
	c->credid_len = credid_len;
	c->added = clock_wall();
	for (tail = &o->creds; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = c;
	r->dirty |= REG_OWNERS;
	if (out != NULL)
		*out = c;
	return 0;
}

void registry_cred_remove(struct registry *r, struct reg_owner *o, struct reg_cred *c)
{
	for (struct reg_cred **pp = &o->creds; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			free(c->credid);
			free(c);
			r->dirty |= REG_OWNERS;
			return;
		}
	}
}

struct reg_cred *registry_cred_find(const struct reg_owner *o, const char *id)
{
	for (struct reg_cred *c = o->creds; c != NULL; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

int registry_cred_lookup(const struct reg_owner *o, const char *prefix, struct reg_cred **out,
			 char err[ERR_LEN])
{
	char want[REG_CRED_ID_LEN + 1], names[3 * (REG_CRED_ID_LEN + 2)] = "";
	size_t n = strlen(prefix), used = 0;
	unsigned found = 0, shown = 0;

	*out = NULL;
	if (n < REG_CRED_ID_MIN || n > REG_CRED_ID_LEN ||
	    strspn(prefix, "0123456789abcdefABCDEF") != n) {
		text_err(err,
			 "invalid key ID '%s': give %d to %d hex digits of it (vpnd key list %s)",
			 prefix, REG_CRED_ID_MIN, REG_CRED_ID_LEN, o->name);
		return -EINVAL;
	}
	for (size_t i = 0; i <= n; i++)
		want[i] = (char)tolower((unsigned char)prefix[i]);
	for (struct reg_cred *c = o->creds; c != NULL; c = c->next) {
		if (strncmp(c->id, want, n) != 0)
			continue;
		if (found++ == 0)
			*out = c;
		/* Name the candidates, as many as fit in the one line. */
		if (shown < 3) {
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 shown > 0 ? ", " : "", c->id);
			shown++;
		}
	}
	if (found == 0) {
		text_err(err, "owner '%s' has no key '%s'", o->name, prefix);
		return -ENOENT;
	}
	if (found > 1) {
		*out = NULL;
		text_err(err, "key ID '%s' of '%s' is ambiguous: %s%s; give more digits", prefix,
			 o->name, names, shown < found ? ", ..." : "");
		return -ENOTUNIQ;
	}
	return 0;
}

struct reg_cred *registry_cred_find_credid(const struct reg_owner *o, const uint8_t *credid,
					   size_t len)
{
	for (struct reg_cred *c = o->creds; c != NULL; c = c->next)
		if (c->credid_len == len && memcmp(c->credid, credid, len) == 0)
			return c;
	return NULL;
}

unsigned registry_cred_active(const struct reg_owner *o)
{
	unsigned n = 0;

	for (const struct reg_cred *c = o->creds; c != NULL; c = c->next)
		n += !c->revoked;
	return n;
}

void registry_cred_set_counter(struct registry *r, struct reg_cred *c, uint32_t counter)
{
	c->counter = counter;
	r->dirty |= REG_OWNERS;
}

void registry_cred_revoke(struct registry *r, struct reg_cred *c)
{
	c->revoked = true;
	r->dirty |= REG_OWNERS;
}

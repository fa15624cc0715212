/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "state/registry.h"

static const void *owner_key(const void *o, size_t *len)
{
	*len = strlen(((const struct reg_owner *)o)->name);
	return ((const struct reg_owner *)o)->name;
}

static const void *peer_name_key(const void *p, size_t *len)
{
	*len = strlen(((const struct reg_peer *)p)->name);
	return ((const struct reg_peer *)p)->name;
}

static const void *peer_key_key(const void *p, size_t *len)
{
	*len = KEY_LEN;
	return ((const struct reg_peer *)p)->key;
}

static const void *peer_addr4_key(const void *p, size_t *len)
{
	*len = 4;
	return ((const struct reg_peer *)p)->addr4;
}

static const void *peer_addr6_key(const void *p, size_t *len)
{
	*len = 16;
	return ((const struct reg_peer *)p)->addr6;
}

int registry_create(struct registry **out, const char *dir)
{
	struct registry *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	if (strlen(dir) >= sizeof(r->dir)) {
		free(r);
		return -ENAMETOOLONG;
	}
	strcpy(r->dir, dir);
	htab_init(&r->owner_by_name, owner_key);
	htab_init(&r->peer_by_name, peer_name_key);
	htab_init(&r->peer_by_key, peer_key_key);
	htab_init(&r->peer_by_addr4, peer_addr4_key);
	htab_init(&r->peer_by_addr6, peer_addr6_key);
	*out = r;
	return 0;
}

static void cred_free(struct reg_cred *c)
{
	free(c->credid);
	free(c);
}

static void peer_free(struct reg_peer *p)
{
	if (p->psk != NULL) {
		sodium_memzero(p->psk, KEY_LEN);
		free(p->psk);
	}
	free(p);
}

void registry_destroy(struct registry **rp)
{
	struct registry *r = *rp;

	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_owners; i++) {
		struct reg_cred *c = r->owners[i]->creds, *next;

		for (; c != NULL; c = next) {
			next = c->next;
			cred_free(c);
		}
		free(r->owners[i]);
	}
	for (size_t i = 0; i < r->n_peers; i++)
		peer_free(r->peers[i]);
	for (size_t i = 0; i < r->n_codes; i++)
		free(r->codes[i]);
	free(r->owners);
	free(r->peers);
	free(r->codes);
	htab_finish(&r->owner_by_name);
	htab_finish(&r->peer_by_name);
	htab_finish(&r->peer_by_key);
	htab_finish(&r->peer_by_addr4);
	htab_finish(&r->peer_by_addr6);
	free(r);
	*rp = NULL;
}

void registry_set_networks(struct registry *r, const struct ipaddr *nets, int n)
{
	if (n > (int)(sizeof(r->nets) / sizeof(r->nets[0])))
		n = (int)(sizeof(r->nets) / sizeof(r->nets[0]));
	memcpy(r->nets, nets, (size_t)n * sizeof(*nets));
	r->n_nets = n;
}

/* Appends to one of the pointer arrays. */
static int vec_push(void ***vec, size_t *n, size_t *cap, void *item)
{
	if (*n == *cap) {
		size_t ncap = *cap != 0 ? *cap * 2 : 64;
		void **v = realloc(*vec, ncap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		*vec = v;
		*cap = ncap;
	}
	(*vec)[(*n)++] = item;
	return 0;
}

static void vec_del(void **vec, size_t *n, const void *item)
{
	for (size_t i = 0; i < *n; i++) {
		if (vec[i] == item) {
			vec[i] = vec[--*n];
			return;
		}
	}
}

struct reg_owner *registry_owner_find(const struct registry *r, const char *name)
{
	return htab_find(&r->owner_by_name, name, strlen(name));
}

int registry_owner_add(struct registry *r, const char *name, struct reg_owner **out)
{
	struct reg_owner *o;
	int ret;

	if (!text_valid_name(name))
		return -EINVAL;
	if (registry_owner_find(r, name) != NULL)
		return -EEXIST;
	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return -ENOMEM;
	strcpy(o->name, name);
	o->window = o->idle = REG_INHERIT;
	/* A PIN (user verification) unless the admin says otherwise
	 * (`vpnd owner set USER --require-uv no`, for U2F-only keys). */
	o->require_uv = true;
	ret = htab_insert(&r->owner_by_name, o);
	if (ret == 0) {
		ret = vec_push((void ***)&r->owners, &r->n_owners, &r->cap_owners, o);
		if (ret < 0)
			htab_remove(&r->owner_by_name, name, strlen(name));
	}
	if (ret < 0) {
		free(o);
		return ret;
	}
	r->dirty |= REG_OWNERS;
	if (out != NULL)
		*out = o;
	return 0;
}

void registry_owner_changed(struct registry *r)
{
	r->dirty |= REG_OWNERS;
}

int registry_owner_remove(struct registry *r, struct reg_owner *o)
{
	if (o->n_peers > 0 || o->creds != NULL)
		return -EBUSY;
	htab_remove(&r->owner_by_name, o->name, strlen(o->name));
	vec_del((void **)r->owners, &r->n_owners, o);
	free(o);
	r->dirty |= REG_OWNERS;
	return 0;
}

struct reg_peer *registry_peer_find(const struct registry *r, const char *name)
{
	return htab_find(&r->peer_by_name, name, strlen(name));
}

struct reg_peer *registry_peer_find_key(const struct registry *r, const uint8_t key[KEY_LEN])
{
	return htab_find(&r->peer_by_key, key, KEY_LEN);
}

static int peer_add(struct registry *r, const struct reg_peer *tmpl, bool allocate,
		    struct reg_peer **out, char err[ERR_LEN])
{
	struct reg_peer *p = NULL;
	int ret = -EEXIST;

	if (registry_peer_find(r, tmpl->name) != NULL) {
		text_err(err, "peer '%s' exists already", tmpl->name);
		goto fail;
	}
	if (tmpl->has_key && registry_peer_find_key(r, tmpl->key) != NULL) {
		text_err(err, "peer '%s' has that public key already",
			 registry_peer_find_key(r, tmpl->key)->name);
		goto fail;
	}
	ret = -ENOMEM;
	p = malloc(sizeof(*p));
	if (p == NULL)
		goto fail;
	*p = *tmpl;
	p->psk = NULL;
	if (tmpl->psk != NULL) {
		p->psk = malloc(KEY_LEN);
		if (p->psk == NULL)
			goto fail;
		memcpy(p->psk, tmpl->psk, KEY_LEN);
	}
	if ((ret = registry_addr_assign(r, p, allocate, err)) < 0)
		goto fail;
	ret = htab_insert(&r->peer_by_name, p);
	if (ret < 0)
		goto fail_msg;
	if ((ret = registry_addr_index(r, p)) < 0 ||
	    (p->has_key && (ret = htab_insert(&r->peer_by_key, p)) < 0) ||
	    (ret = vec_push((void ***)&r->peers, &r->n_peers, &r->cap_peers, p)) < 0) {
		htab_remove(&r->peer_by_name, p->name, strlen(p->name));
		registry_addr_unindex(r, p);
		if (p->has_key && htab_find(&r->peer_by_key, p->key, KEY_LEN) == p)
			htab_remove(&r->peer_by_key, p->key, KEY_LEN);
		goto fail_msg;
	}
	p->owner->n_peers++;
	r->dirty |= REG_PEERS;
	if (out != NULL)
		*out = p;
	return 0;
fail_msg:
	text_err(err, "cannot add peer '%s': %s", tmpl->name, strerror(-ret));
fail:
	if (p != NULL)
		peer_free(p);
	return ret;
}

int registry_peer_add(struct registry *r, const struct reg_peer *tmpl, struct reg_peer **out,
		      char err[ERR_LEN])
{
	return peer_add(r, tmpl, true, out, err);
}

int registry_peer_insert(struct registry *r, const struct reg_peer *tmpl, struct reg_peer **out,
			 char err[ERR_LEN])
{
	return peer_add(r, tmpl, false, out, err);
}

int registry_peer_set_key(struct registry *r, struct reg_peer *p, const uint8_t key[KEY_LEN])
{
	struct reg_peer *other = registry_peer_find_key(r, key);
	int ret;

	if (other != NULL && other != p)
		return -EEXIST;
	if (p->has_key)
		htab_remove(&r->peer_by_key, p->key, KEY_LEN);
	memcpy(p->key, key, KEY_LEN);
	p->has_key = true;
	ret = htab_insert(&r->peer_by_key, p);
	r->dirty |= REG_PEERS;
	return ret == -EEXIST ? 0 : ret;
}

void registry_peer_clear_key(struct registry *r, struct reg_peer *p)
{
	if (!p->has_key)
		return;
	htab_remove(&r->peer_by_key, p->key, KEY_LEN);
	memset(p->key, 0, KEY_LEN);
	p->has_key = false;
	r->dirty |= REG_PEERS;
}

void registry_peer_changed(struct registry *r)
{
	r->dirty |= REG_PEERS;
}

void registry_peer_set_disabled(struct registry *r, struct reg_peer *p, bool disabled)
{
	p->disabled = disabled;
	r->dirty |= REG_PEERS;
}

void registry_peer_remove(struct registry *r, struct reg_peer *p)
{
	for (size_t i = 0; i < r->n_codes;) {
		if (strcmp(r->codes[i]->peer, p->name) == 0) {
			free(r->codes[i]);
			r->codes[i] = r->codes[--r->n_codes];
			r->dirty |= REG_CODES;
		} else {
			i++;
		}
	}
	htab_remove(&r->peer_by_name, p->name, strlen(p->name));
	registry_addr_unindex(r, p);
	if (p->has_key)
		htab_remove(&r->peer_by_key, p->key, KEY_LEN);
	vec_del((void **)r->peers, &r->n_peers, p);
	p->owner->n_peers--;
	peer_free(p);
	r->dirty |= REG_PEERS;
}

static int peer_cmp(const void *a, const void *b)
{
	return strcmp((*(struct reg_peer *const *)a)->name, (*(struct reg_peer *const *)b)->name);
}

int registry_peers_sorted(const struct registry *r, struct reg_peer ***out)
{
	struct reg_peer **v = malloc((r->n_peers + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	if (r->n_peers > 0)
		memcpy(v, r->peers, r->n_peers * sizeof(*v));
	qsort(v, r->n_peers, sizeof(*v), peer_cmp);
	*out = v;
	return 0;
}

const char *registry_file_name(enum reg_file which)
{
	return which == REG_OWNERS ? "owners" : which == REG_PEERS ? "peers" : "codes";
}

const char *registry_kind_name(enum reg_kind k)
{
	return k == REG_MOBILE ? "mobile" : "laptop";
}

const char *registry_alg_name(enum reg_alg a)
{
	return a == REG_EDDSA ? "eddsa" : "es256";
}

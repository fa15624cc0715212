/* SPDX-License-Identifier: ISC */
/* The registry's text files, read: parsing is strict (registry.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "base/duration.h"
#include "base/log.h"
#include "state/registry.h"

#define LINE_MAX_LEN 4096
#define MAX_FIELDS   16
#define B64URL       sodium_base64_VARIANT_URLSAFE_NO_PADDING

struct rf_ctx {
	struct registry *r;
	const char *name;
	unsigned line;
	char *err;
	int nkv;
	char *keys[MAX_FIELDS];
	char *vals[MAX_FIELDS];
	bool used[MAX_FIELDS];
	size_t records;
};

static int rf_fail(struct rf_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int rf_fail(struct rf_ctx *x, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_err(x->err, "%s:%u: %s", x->name, x->line, msg);
	return -EINVAL;
}

/* The value of a field; NULL (and an error) when a required one is missing. */
static const char *rf_get(struct rf_ctx *x, const char *key)
{
	for (int i = 0; i < x->nkv; i++) {
		if (strcmp(x->keys[i], key) == 0) {
			x->used[i] = true;
			return x->vals[i];
		}
	}
	rf_fail(x, "missing field '%s'", key);
	return NULL;
}

/* An optional field: NULL when absent (files of older versions). */
static const char *rf_opt(struct rf_ctx *x, const char *key)
{
	for (int i = 0; i < x->nkv; i++) {
		if (strcmp(x->keys[i], key) == 0) {
			x->used[i] = true;
			return x->vals[i];
		}
	}
	return NULL;
}

static int rf_check_unused(struct rf_ctx *x)
{
	for (int i = 0; i < x->nkv; i++)
		if (!x->used[i])
			return rf_fail(x, "unknown field '%s'", x->keys[i]);
	return 0;
}

static int rf_i64(struct rf_ctx *x, const char *key, int64_t *out)
{
	const char *v = rf_get(x, key);
	char *end;
	long long n;

	if (v == NULL)
		return -EINVAL;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (v[0] == '\0' || *end != '\0' || errno != 0 ||
	    (v[0] != '-' && (v[0] < '0' || v[0] > '9')))
		return rf_fail(x, "bad number '%s'", v);
	*out = n;
	return 0;
}

static int rf_duration(struct rf_ctx *x, const char *key, int64_t *out, bool allow_off)
{
	const char *v = rf_get(x, key);
	uint64_t s;

	if (v == NULL)
		return -EINVAL;
	if (strcmp(v, "-") == 0)
		*out = REG_INHERIT;
	else if (allow_off && strcmp(v, "off") == 0)
		*out = 0;
	else if (duration_parse(&s, v) == 0)
		*out = (int64_t)s;
	else
		return rf_fail(x, "bad duration '%s': " DURATION_HINT, v);
	return 0;
}

static int rf_choice(struct rf_ctx *x, const char *key, const char *a, const char *b, bool *is_b)
{
	const char *v = rf_get(x, key);

	if (v == NULL)
		return -EINVAL;
	if (strcmp(v, a) != 0 && strcmp(v, b) != 0)
		return rf_fail(x, "bad %s '%s': expected %s or %s", key, v, a, b);
	*is_b = strcmp(v, b) == 0;
	return 0;
}

static int rf_b64(struct rf_ctx *x, const char *key, uint8_t *out, size_t max, size_t *len,
		  int variant)
{
	const char *v = rf_get(x, key);

	if (v == NULL)
		return -EINVAL;
	if (sodium_base642bin(out, max, v, strlen(v), NULL, len, NULL, variant) != 0 || *len == 0)
		return rf_fail(x, "bad base64 in field '%s'", key);
	return 0;
}

static int rf_owner(struct rf_ctx *x, const char *name)
{
	char err[ERR_LEN];
	const char *logins;
	struct reg_owner *o;
	bool uv;
	int ret;

	if (!text_valid_name(name))
		return rf_fail(x, "bad owner name '%s'", name);
	ret = registry_owner_add(x->r, name, &o);
	if (ret == -EEXIST)
		return rf_fail(x, "owner '%s' appears twice", name);
	if (ret < 0)
		return rf_fail(x, "%s", strerror(-ret));
	if (rf_choice(x, "require-uv", "no", "yes", &uv) < 0 ||
	    rf_duration(x, "window", &o->window, false) < 0 ||
	    rf_duration(x, "idle", &o->idle, true) < 0)
		return -EINVAL;
	o->require_uv = uv;
	logins = rf_opt(x, "mail-login");
	if (logins != NULL && registry_owner_set_logins(o, logins, err) < 0)
		return rf_fail(x, "%s", err);
	return 0;
}

static bool hex_id(const char *v, size_t len)
{
	return strlen(v) == len && strspn(v, "0123456789abcdef") == len;
}

/* Who added a key: "-" or a key ID, "-" or a peer name. */
static int rf_added_by(struct rf_ctx *x, struct reg_cred *c)
{
	const char *k = rf_opt(x, "by-key"), *dev = rf_opt(x, "by-device");

	if (k != NULL && strcmp(k, "-") != 0) {
		if (!hex_id(k, REG_CRED_ID_LEN))
			return rf_fail(x, "bad by-key '%s': expected - or a key ID", k);
		strcpy(c->by_key, k);
	}
	if (dev != NULL && strcmp(dev, "-") != 0) {
		if (!text_valid_name(dev))
			return rf_fail(x, "bad by-device '%s': expected - or a peer name", dev);
		strcpy(c->by_device, dev);
	}
	return 0;
}

static int rf_cred(struct rf_ctx *x, const char *owner)
{
	struct reg_owner *o = registry_owner_find(x->r, owner);
	uint8_t pk[REG_CRED_PK_MAX], credid[REG_CREDID_MAX];
	char legacy[REG_CRED_ID_LEGACY + 1];
	size_t pklen, idlen;
	struct reg_cred *c;
	const char *id, *alg;
	int64_t counter, added;
	bool revoked;
	int ret;

	if (o == NULL)
		return rf_fail(x, "key of unknown owner '%s'", owner);
	if ((id = rf_get(x, "id")) == NULL || (alg = rf_get(x, "alg")) == NULL)
		return -EINVAL;
	if (strcmp(alg, "es256") != 0 && strcmp(alg, "eddsa") != 0)
		return rf_fail(x, "bad alg '%s': expected es256 or eddsa", alg);
	if (rf_b64(x, "public-key", pk, sizeof(pk), &pklen, sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    rf_b64(x, "credential", credid, sizeof(credid), &idlen, B64URL) < 0 ||
	    rf_i64(x, "counter", &counter) < 0 || rf_i64(x, "added", &added) < 0 ||
	    rf_choice(x, "state", "active", "revoked", &revoked) < 0)
		return -EINVAL;
	if (counter < 0 || counter > UINT32_MAX)
		return rf_fail(x, "counter out of range");
	ret = registry_cred_add(x->r, o, alg[0] == 'e' && alg[1] == 'd' ? REG_EDDSA : REG_ES256, pk,
				pklen, credid, idlen, &c);
	if (ret == -EEXIST)
		return rf_fail(x, "key '%s' of '%s' appears twice", id, owner);
	if (ret < 0)
		return rf_fail(x, "%s", strerror(-ret));
	/* The short IDs of older versions (a hash of the credential ID
	 * alone) are checked as they were, then replaced by the long form,
	 * which the load writes back. */
	registry_cred_legacy_id(legacy, credid, idlen);
	if (hex_id(id, REG_CRED_ID_LEGACY) && strcmp(legacy, id) == 0)
		x->r->repaired |= REG_OWNERS;
	else if (strcmp(c->id, id) != 0)
		return rf_fail(x, "key id '%s' does not match its credential", id);
	c->counter = (uint32_t)counter;
	c->revoked = revoked;
	c->added = added;
	return rf_added_by(x, c);
}

static int rf_peer(struct rf_ctx *x, const char *name)
{
	struct reg_peer p = {0};
	struct ipaddr a[REG_ADDRS_MAX];
	uint8_t psk[KEY_LEN];
	const char *owner, *key, *addr, *pskv, *ka;
	char err[ERR_LEN];
	bool mobile, disabled;
	int ret, na;

	if (!text_valid_name(name))
		return rf_fail(x, "bad peer name '%s'", name);
	strcpy(p.name, name);
	if ((owner = rf_get(x, "owner")) == NULL || (key = rf_get(x, "public-key")) == NULL ||
	    (addr = rf_get(x, "address")) == NULL || (pskv = rf_get(x, "psk")) == NULL)
		return -EINVAL;
	p.owner = registry_owner_find(x->r, owner);
	if (p.owner == NULL)
		return rf_fail(x, "peer of unknown owner '%s'", owner);
	if (strcmp(key, "-") != 0) {
		if (key_from_base64(p.key, key) < 0)
			return rf_fail(x, "bad public key '%s'", key);
		p.has_key = true;
	}
	/* One address (files from before dual-stack tunnels) or one per
	 * family. */
	na = ipaddr_parse_list(a, REG_ADDRS_MAX, addr);
	if (na < 0)
		return rf_fail(x,
			       "bad address '%s': expected an IPv4 address, an IPv6 address "
			       "or one of each, a comma between",
			       addr);
	for (int i = 0; i < na; i++)
		registry_addr_put(&p, &a[i]);
	if (strcmp(pskv, "-") != 0) {
		if (key_from_base64(psk, pskv) < 0)
			return rf_fail(x, "bad preshared key");
		p.psk = psk;
	}
	if (rf_choice(x, "kind", "laptop", "mobile", &mobile) < 0 ||
	    rf_choice(x, "state", "enabled", "disabled", &disabled) < 0 ||
	    rf_duration(x, "window", &p.window, false) < 0 ||
	    rf_duration(x, "idle", &p.idle, true) < 0 || rf_i64(x, "added", &p.added) < 0)
		goto fail;
	p.kind = mobile ? REG_MOBILE : REG_LAPTOP;
	p.disabled = disabled;
	p.keepalive = REG_INHERIT;
	if ((ka = rf_opt(x, "keepalive")) != NULL) {
		char *end;
		long n;

		errno = 0;
		n = strtol(ka, &end, 10);
		if (ka[0] < '0' || ka[0] > '9' || *end != '\0' || errno != 0 || n > 65535)
			goto bad_ka;
		p.keepalive = (int32_t)n;
	}
	ret = registry_peer_insert(x->r, &p, NULL, err);
	sodium_memzero(psk, sizeof(psk));
	return ret < 0 ? rf_fail(x, "%s", err) : 0;
bad_ka:
	rf_fail(x, "bad keepalive '%s': expected 0 to 65535 seconds", ka);
fail:
	sodium_memzero(psk, sizeof(psk));
	return -EINVAL;
}

static int rf_code(struct rf_ctx *x, const char *hash)
{
	struct reg_code *c = calloc(1, sizeof(*c));
	const char *peer, *newkey;
	size_t len = 0;
	void **v;

	if (c == NULL)
		return rf_fail(x, "%s", strerror(ENOMEM));
	if (strlen(hash) != 2 * ENROLLCODE_HASH_LEN ||
	    sodium_hex2bin(c->hash, sizeof(c->hash), hash, strlen(hash), NULL, &len, NULL) != 0 ||
	    len != ENROLLCODE_HASH_LEN) {
		free(c);
		return rf_fail(x, "bad code hash '%s'", hash);
	}
	if ((peer = rf_get(x, "peer")) == NULL || rf_i64(x, "expires", &c->expires) < 0) {
		free(c);
		return -EINVAL;
	}
	newkey = rf_opt(x, "new-key");
	if (newkey != NULL && strcmp(newkey, "yes") != 0 && strcmp(newkey, "no") != 0) {
		free(c);
		return rf_fail(x, "bad new-key '%s': expected yes or no", newkey);
	}
	c->new_key = newkey != NULL && strcmp(newkey, "yes") == 0;
	if (registry_peer_find(x->r, peer) == NULL) {
		/* vpnd writes peers before codes, so a crash between the two
		 * leaves the code of a removed peer behind. It can enroll
		 * nothing: drop it rather than refuse to start. */
		log_warn("%s:%u: dropping the enrollment code of unknown peer '%s'", x->name,
			 x->line, peer);
		x->r->repaired |= REG_CODES;
		free(c);
		return 0;
	}
	strcpy(c->peer, peer);
	if (x->r->n_codes == x->r->cap_codes) {
		size_t cap = x->r->cap_codes != 0 ? x->r->cap_codes * 2 : 16;

		v = realloc(x->r->codes, cap * sizeof(*v));
		if (v == NULL) {
			free(c);
			return rf_fail(x, "%s", strerror(ENOMEM));
		}
		x->r->codes = (struct reg_code **)v;
		x->r->cap_codes = cap;
	}
	x->r->codes[x->r->n_codes++] = c;
	return 0;
}

static int rf_record(struct rf_ctx *x, enum reg_file which, char *line)
{
	char *w[MAX_FIELDS + 2];
	int n = text_split(line, w, MAX_FIELDS + 2), ret;

	if (n < 0)
		return rf_fail(x, "too many fields");
	if (n == 0 || w[0][0] == '#')
		return 0;
	if (strcmp(w[0], "end") == 0) {
		char *endp;

		/* "end N": N records; a file cut at a line boundary shows here. */
		if (n != 2 || w[1][0] < '0' || w[1][0] > '9' ||
		    strtoull(w[1], &endp, 10) != x->records || *endp != '\0')
			return rf_fail(x, "the 'end' line does not match the records");
		return 1;
	}
	if (n < 2)
		return rf_fail(x, "incomplete line '%s'", w[0]);
	x->nkv = 0;
	for (int i = 2; i < n; i++) {
		char *v, *k = text_kv(w[i], &v);

		if (k == NULL)
			return rf_fail(x, "expected key=value, not '%s'", w[i]);
		for (int j = 0; j < x->nkv; j++)
			if (strcmp(x->keys[j], k) == 0)
				return rf_fail(x, "field '%s' appears twice", k);
		x->keys[x->nkv] = k;
		x->vals[x->nkv] = v;
		x->used[x->nkv++] = false;
	}
	if (which == REG_OWNERS && strcmp(w[0], "owner") == 0)
		ret = rf_owner(x, w[1]);
	else if (which == REG_OWNERS && strcmp(w[0], "key") == 0)
		ret = rf_cred(x, w[1]);
	else if (which == REG_PEERS && strcmp(w[0], "peer") == 0)
		ret = rf_peer(x, w[1]);
	else if (which == REG_CODES && strcmp(w[0], "code") == 0)
		ret = rf_code(x, w[1]);
	else
		return rf_fail(x, "unknown record '%s'", w[0]);
	if (ret < 0)
		return ret;
	x->records++;
	return rf_check_unused(x);
}

int registry_parse(struct registry *r, enum reg_file which, const char *text, size_t len,
		   const char *name, char err[ERR_LEN])
{
	struct rf_ctx x = {.r = r, .name = name, .err = err};
	const char *p = text, *end = text + len;
	char *line = malloc(LINE_MAX_LEN + 1);
	bool ended = false;
	int ret = 0;

	if (line == NULL)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl != NULL ? nl : end) - p;

		x.line++;
		if (ended) {
			ret = rf_fail(&x, "text after the 'end' line");
			break;
		}
		if (nl == NULL) {
			ret = rf_fail(&x, "last line has no newline: the file is truncated");
			break;
		}
		if (n > LINE_MAX_LEN || memchr(p, '\0', n) != NULL) {
			ret = rf_fail(&x, "line too long or not text");
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		ret = rf_record(&x, which, line);
		if (ret < 0)
			break;
		if (ret == 1) {
			ended = true;
			ret = 0;
		}
	}
	if (ret == 0 && !ended && len > 0) {
		x.line++;
		ret = rf_fail(&x, "no 'end' line: the file is truncated");
	}
	sodium_memzero(line, LINE_MAX_LEN + 1);
	free(line);
	return ret;
}

int registry_load(struct registry *r, char err[ERR_LEN])
{
	static const enum reg_file order[] = {REG_OWNERS, REG_PEERS, REG_CODES};
	char path[4200];
	const char *text;
	size_t len;
	int ret;

	r->repaired = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, registry_file_name(order[i]));
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
			for (int f = 0; f < r->n_nets; f++)
				htab_reserve(r->nets[f].family == AF_INET6 ? &r->peer_by_addr6
									   : &r->peer_by_addr4,
					     len / 160);
			if (r->n_nets == 0)
				htab_reserve(&r->peer_by_addr4, len / 160);
		}
		ret = registry_parse(r, order[i], text, len, path, err);
		atomicfile_unmap(text, len);
		if (ret < 0)
			return ret;
	}
	/* What the load changed goes back to disk at once: the files then
	 * say what vpnd runs with. A failed write is no reason to refuse a
	 * good registry; the next save tries again. */
	r->dirty = r->repaired;
	if (r->dirty & REG_OWNERS)
		log_info("%s/owners: key IDs now have their long form (docs/registry.md)", r->dir);
	/* An interface that became dual-stack: each peer gets an address of
	 * the new family now, saved at once so every reply says the same
	 * (a laptop takes it at its next `enroll up`). */
	r->filled = registry_addr_fill(r);
	if (r->filled > 0)
		log_info("%s/peers: %zu peers got an address of each tunnel network", r->dir,
			 r->filled);
	if (r->dirty != 0 && (ret = registry_save(r)) < 0)
		log_warn("cannot write the repaired registry to %s: %s", r->dir, strerror(-ret));
	return 0;
}

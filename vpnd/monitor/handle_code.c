/* SPDX-License-Identifier: ISC */
/*
 * code list | revoke | new (handle_code.h); above hctx.c. A code is shown
 * by its peer, owner and expiry, never by itself: only its hash is kept,
 * and the URI that carries it is printed once, when it is made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/clock.h"
#include "monitor/audit.h"
#include "monitor/handle_code.h"

static int code_cmp(const void *a, const void *b)
{
	const struct reg_code *x = *(const struct reg_code *const *)a;
	const struct reg_code *y = *(const struct reg_code *const *)b;
	int c = strcmp(x->peer, y->peer);

	return c != 0 ? c : (x->expires > y->expires) - (x->expires < y->expires);
}

int handle_code_list(struct hctx *h)
{
	const char *owner = ctl_request_opt(h->req, "owner");
	struct registry *r = h->d->reg;
	struct reg_code **v;
	struct reg_owner *o = NULL;
	int64_t now = clock_wall();
	int ret;

	if ((ret = hctx_check(h, 2, 0, "owner", NULL)) < 0)
		return ret;
	if (owner != NULL && (o = registry_owner_find(r, owner)) == NULL)
		return hctx_err(h, -ENOENT, "no owner named '%s'", owner);
	v = malloc((r->n_codes + 1) * sizeof(*v));
	if (v == NULL)
		return hctx_err(h, -ENOMEM, "out of memory");
	if (r->n_codes > 0)
		memcpy(v, r->codes, r->n_codes * sizeof(*v));
	qsort(v, r->n_codes, sizeof(*v), code_cmp);
	for (size_t i = 0; i < r->n_codes; i++) {
		const struct reg_peer *p = registry_peer_find(r, v[i]->peer);
		char t[32];

		if (p == NULL || (o != NULL && p->owner != o))
			continue;
		clock_format_utc(t, sizeof(t), v[i]->expires);
		ctl_add_field(h->out, "peer", p->name);
		ctl_add_field(h->out, "owner", p->owner->name);
		ctl_add_field(h->out, "kind", registry_kind_name(p->kind));
		ctl_add_field(h->out, "expires", t);
		ctl_add_field(h->out, "state", v[i]->expires > now ? "pending" : "expired");
		/* What redeeming it can do: enroll the device and a key, or
		 * (its key pair made elsewhere) a key only; a recovery code
		 * does so without one of the owner's keys. */
		ctl_add_field(h->out, "enrolls", p->has_key ? "key" : "device+key");
		ctl_add_field(h->out, "new-key", v[i]->new_key ? "yes" : "no");
		ctl_end_line(h->out);
	}
	free(v);
	return 0;
}

int handle_code_revoke(struct hctx *h)
{
	struct reg_peer *p;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	if (hctx_code_void(h, p, "revoked") == 0)
		return hctx_err(h, -ENOENT, "peer '%s' has no enrollment code", p->name);
	return hctx_save(h);
}

/* A fresh code for a peer that exists: after its code expired or was
 * revoked, or for key recovery. It replaces any the peer had. */
int handle_code_new(struct hctx *h)
{
	bool new_key = ctl_request_opt(h->req, "new-key") != NULL;
	char code[ENROLLCODE_STR_LEN + 1] = "", uid[16];
	struct reg_peer *p;
	int ret;

	if ((ret = hctx_check(h, 2, 1, "new-key", NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	if (p->disabled)
		return hctx_err(h, -EPERM, "peer '%s' is disabled: enable it first", p->name);
	if (p->has_key && !new_key && registry_cred_active(p->owner) > 0)
		return hctx_err(h, -EPERM,
				"peer '%s' is enrolled and '%s' has security keys: a code would "
				"only add a key (enroll add-key does that; --new-key makes a code "
				"for key recovery)",
				p->name, p->owner->name);
	hctx_code_void(h, p, "replaced");
	ret = registry_code_create(h->d->reg, p, ENROLLCODE_TTL, new_key, code);
	if (ret < 0)
		return hctx_err(h, ret, "cannot make an enrollment code");
	if ((ret = hctx_save(h)) < 0)
		goto out;
	snprintf(uid, sizeof(uid), "%d", (int)h->uid);
	audit_event("code-issue", "peer", p->name, "owner", p->owner->name, "new-key",
		    new_key ? "yes" : "no", "by", h->by, "uid", uid, NULL);
	ctl_add_field(h->out, "name", p->name);
	ctl_add_field(h->out, "owner", p->owner->name);
	hctx_code_uri(h, p, code, new_key);
	ctl_end_line(h->out);
out:
	sodium_memzero(code, sizeof(code));
	return ret;
}

/* SPDX-License-Identifier: ISC */
/* What the control handlers share (hctx.h); below handle_*.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/duration.h"
#include "monitor/actport.h"
#include "monitor/audit.h"
#include "monitor/dbstore.h"
#include "monitor/hctx.h"
#include "proto/proto.h"
#include "proto/proto_uri.h"

int hctx_err(struct hctx *h, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return ret;
}

int hctx_check(struct hctx *h, int words, int args, ...)
{
	const struct ctl_request *r = h->req;

	if (r->nargs != words + args)
		return hctx_err(h, -EINVAL, "'%s%s%s' takes %d argument%s", r->args[0],
				words > 1 ? " " : "", words > 1 ? r->args[1] : "", args,
				args == 1 ? "" : "s");
	for (int i = 0; i < r->nopts; i++) {
		const char *o;
		va_list ap;

		va_start(ap, args);
		while ((o = va_arg(ap, const char *)) != NULL && strcmp(o, r->keys[i]) != 0)
			;
		va_end(ap);
		if (o == NULL)
			return hctx_err(h, -EINVAL, "unknown option '%s'", r->keys[i]);
	}
	return 0;
}

int hctx_peer(struct hctx *h, int i, struct reg_peer **out)
{
	*out = registry_peer_find(h->d->reg, h->req->args[i]);
	if (*out == NULL)
		return hctx_err(h, -ENOENT, "no peer named '%s'", h->req->args[i]);
	return 0;
}

int hctx_owner(struct hctx *h, int i, struct reg_owner **out)
{
	*out = registry_owner_find(h->d->reg, h->req->args[i]);
	if (*out == NULL)
		return hctx_err(h, -ENOENT, "no owner named '%s'", h->req->args[i]);
	return 0;
}

int hctx_duration(struct hctx *h, const char *opt, int64_t *out, bool allow_off)
{
	const char *v = ctl_request_opt(h->req, opt);
	uint64_t s;

	if (v == NULL)
		return 0;
	if (strcmp(v, "-") == 0 || strcmp(v, "default") == 0)
		*out = REG_INHERIT;
	else if (allow_off && strcmp(v, "off") == 0)
		*out = 0;
	else if (duration_parse(&s, v) == 0)
		*out = (int64_t)s;
	else
		return hctx_err(h, -EINVAL, "invalid %s '%s': " DURATION_HINT "%s", opt, v,
				allow_off ? " (or off)" : "");
	return 0;
}

int hctx_save(struct hctx *h)
{
	char err[ERR_LEN];
	int ret;

	if (h->d->store != NULL && (ret = dbstore_push(h->d->store, h->d->reg, err)) < 0)
		return hctx_err(h, ret,
				"the change is live on this gateway but not in the store: %s", err);
	ret = registry_save(h->d->reg);

	if (ret < 0)
		return hctx_err(h, ret, "the change is live but not saved: cannot write %s: %s",
				h->d->reg->dir, strerror(-ret));
	return 0;
}

void hctx_code_uri(struct hctx *h, const struct reg_peer *p, const char *code, bool new_key)
{
	const struct reg_cred *last[PROTO_URI_KEYS_MAX];
	char uri[PROTO_URI_MAX], t[32];
	uint8_t act[KEY_LEN], raw[PROTO_CODE_LEN];
	size_t rl = 0, n = 0;

	actport_public_key(act, h->d->actport);
	if (sodium_base642bin(raw, sizeof(raw), code, strlen(code), NULL, &rl, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rl != sizeof(raw) ||
	    proto_uri_format(uri, sizeof(uri), h->d->conf.endpoint_host, h->d->conf.activation_port,
			     act, raw, h->d->conf.web.enabled ? h->d->conf.web.domain : NULL,
			     p->name) < 0)
		goto out;
	/* The newest keys, newest first: the ones most likely at hand. */
	for (const struct reg_cred *c = p->owner->creds; c != NULL && !new_key; c = c->next)
		if (!c->revoked && c->credid_len <= PROTO_CRED_ID_MAX)
			last[n++ % PROTO_URI_KEYS_MAX] = c;
	for (size_t i = 0; i < n && i < PROTO_URI_KEYS_MAX; i++) {
		const struct reg_cred *c = last[(n - 1 - i) % PROTO_URI_KEYS_MAX];

		proto_uri_add_key(uri, sizeof(uri), c->credid, c->credid_len);
	}
	ctl_add_field(h->out, "uri", uri);
	/* A phone's owner registers a key in the browser: the code in the
	 * fragment, which no request line or log carries. The page cannot
	 * sign with an existing key, so it gets only codes that need none
	 * (webreg.c refuses the others). */
	if (h->d->conf.web.enabled && p->kind == REG_MOBILE &&
	    (new_key || registry_cred_active(p->owner) == 0)) {
		snprintf(uri, sizeof(uri), "%s/register#%s", h->d->conf.web.origin, code);
		ctl_add_field(h->out, "web-uri", uri);
	}
	clock_format_utc(t, sizeof(t), clock_wall() + ENROLLCODE_TTL);
	ctl_add_field(h->out, "uri-expires", t);
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(uri, sizeof(uri));
}

size_t hctx_code_void(struct hctx *h, const struct reg_peer *p, const char *reason)
{
	size_t n = registry_code_void(h->d->reg, p->name);
	char count[24], uid[16];

	if (n > 0) {
		snprintf(count, sizeof(count), "%zu", n);
		snprintf(uid, sizeof(uid), "%d", (int)h->uid);
		audit_event("code-void", "peer", p->name, "owner", p->owner->name, "count", count,
			    "reason", reason, "by", h->by, "uid", uid, NULL);
	}
	return n;
}

/* SPDX-License-Identifier: ISC */
/* What the control handlers share (hctx.h); below handle_*.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/duration.h"
#include "monitor/hctx.h"

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
	int ret = registry_save(h->d->reg);

	if (ret < 0)
		return hctx_err(h, ret, "the change is live but not saved: cannot write %s: %s",
				h->d->reg->dir, strerror(-ret));
	return 0;
}

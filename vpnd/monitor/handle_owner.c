/* SPDX-License-Identifier: ISC */
/* owner add | list | show | set (handle_owner.h); above hctx.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/audit.h"
#include "base/duration.h"
#include "monitor/handle_owner.h"
#include "monitor/mailtab.h"

static void fmt_override(char *out, size_t len, int64_t v)
{
	if (v == REG_INHERIT)
		snprintf(out, len, "default");
	else if (v == 0)
		snprintf(out, len, "off");
	else
		duration_format(out, len, (uint64_t)v);
}

static void owner_record(struct hctx *h, const struct reg_owner *o)
{
	char d[24];
	unsigned keys = 0;

	for (const struct reg_cred *c = o->creds; c != NULL; c = c->next)
		keys += !c->revoked;
	ctl_add_field(h->out, "name", o->name);
	ctl_add_field(h->out, "require-uv", o->require_uv ? "yes" : "no");
	fmt_override(d, sizeof(d), o->window);
	ctl_add_field(h->out, "window", d);
	fmt_override(d, sizeof(d), o->idle);
	ctl_add_field(h->out, "idle", d);
	ctl_add_fieldf(h->out, "peers", "%u", o->n_peers);
	ctl_add_fieldf(h->out, "keys", "%u", keys);
	ctl_add_field(h->out, "mail-login", o->mail_logins[0] != '\0' ? o->mail_logins : "-");
	ctl_end_line(h->out);
}

int handle_owner_add(struct hctx *h)
{
	const char *name;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0)
		return ret;
	name = h->req->args[2];
	if (!text_valid_name(name))
		return hctx_err(h, -EINVAL,
				"invalid owner name '%s': 1 to 32 of A-Z a-z 0-9 . _ - @ +", name);
	ret = registry_owner_add(h->d->reg, name, NULL);
	if (ret < 0)
		return hctx_err(h, ret,
				ret == -EEXIST ? "owner '%s' exists already"
					       : "cannot add owner '%s'",
				name);
	audit_event("owner-add", "owner", name, "by", h->by, NULL);
	return hctx_save(h);
}

static int owner_cmp(const void *a, const void *b)
{
	return strcmp((*(struct reg_owner *const *)a)->name, (*(struct reg_owner *const *)b)->name);
}

int handle_owner_list(struct hctx *h)
{
	struct reg_owner **v;
	size_t n = h->d->reg->n_owners;
	int ret;

	if ((ret = hctx_check(h, 2, 0, NULL)) < 0)
		return ret;
	v = malloc((n + 1) * sizeof(*v));
	if (v == NULL)
		return hctx_err(h, -ENOMEM, "out of memory");
	if (n > 0)
		memcpy(v, h->d->reg->owners, n * sizeof(*v));
	qsort(v, n, sizeof(*v), owner_cmp);
	for (size_t i = 0; i < n; i++)
		owner_record(h, v[i]);
	free(v);
	return 0;
}

int handle_owner_show(struct hctx *h)
{
	struct reg_owner *o;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_owner(h, 2, &o)) < 0)
		return ret;
	owner_record(h, o);
	return 0;
}

int handle_owner_set(struct hctx *h)
{
	struct reg_owner *o;
	const char *uv, *logins;
	char err[ERR_LEN];
	int64_t window, idle;
	int ret;

	if ((ret = hctx_check(h, 2, 1, "require-uv", "window", "idle", "mail-login", NULL)) < 0 ||
	    (ret = hctx_owner(h, 2, &o)) < 0)
		return ret;
	window = o->window;
	idle = o->idle;
	uv = ctl_request_opt(h->req, "require-uv");
	if (uv != NULL && strcmp(uv, "yes") != 0 && strcmp(uv, "no") != 0)
		return hctx_err(h, -EINVAL, "invalid require-uv '%s': expected yes or no", uv);
	if ((ret = hctx_duration(h, "window", &window, false)) < 0 ||
	    (ret = hctx_duration(h, "idle", &idle, true)) < 0)
		return ret;
	logins = ctl_request_opt(h->req, "mail-login");
	if (logins != NULL && registry_owner_set_logins(o, logins, err) < 0)
		return hctx_err(h, -EINVAL, "%s", err);
	if (uv != NULL)
		o->require_uv = strcmp(uv, "yes") == 0;
	o->window = window;
	o->idle = idle;
	registry_owner_changed(h->d->reg);
	audit_event("owner-set", "owner", o->name, "require-uv", o->require_uv ? "yes" : "no",
		    "mail-login", o->mail_logins[0] != '\0' ? o->mail_logins : "-", "by", h->by,
		    NULL);
	/* Mail logins count at once, in live sessions too. */
	if (logins != NULL)
		mailtab_changed(h->d->mailtab);
	/* Running sessions keep their window: the new policy applies from
	 * the next opening. */
	return hctx_save(h);
}

/* SPDX-License-Identifier: ISC */
/* owner add | list | show | set, key list | revoke | unlock */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/audit.h"
#include "base/clock.h"
#include "base/duration.h"
#include "monitor/handlers.h"
#include "monitor/lockout.h"

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
	ctl_end_line(h->out);
}

static struct reg_owner *howner(struct hctx *h, int i)
{
	struct reg_owner *o = registry_owner_find(h->d->reg, h->req->args[i]);

	if (o == NULL)
		herr(h, "no owner named '%s'", h->req->args[i]);
	return o;
}

int h_owner_add(struct hctx *h)
{
	const char *name;
	int ret;

	if (hcheck(h, 2, 1, NULL) < 0)
		return -1;
	name = h->req->args[2];
	if (!text_valid_name(name))
		return herr(h, "invalid owner name '%s': 1 to 32 of A-Z a-z 0-9 . _ - @ +", name);
	ret = registry_owner_add(h->d->reg, name, NULL);
	if (ret < 0)
		return herr(h,
			    ret == -EEXIST ? "owner '%s' exists already" : "cannot add owner '%s'",
			    name);
	audit_event("owner-add", "owner", name, "by", h->by, NULL);
	return hsave(h);
}

static int owner_cmp(const void *a, const void *b)
{
	return strcmp((*(struct reg_owner *const *)a)->name, (*(struct reg_owner *const *)b)->name);
}

int h_owner_list(struct hctx *h)
{
	struct reg_owner **v;
	size_t n = h->d->reg->n_owners;

	if (hcheck(h, 2, 0, NULL) < 0)
		return -1;
	v = malloc((n + 1) * sizeof(*v));
	if (v == NULL)
		return herr(h, "out of memory");
	if (n > 0)
		memcpy(v, h->d->reg->owners, n * sizeof(*v));
	qsort(v, n, sizeof(*v), owner_cmp);
	for (size_t i = 0; i < n; i++)
		owner_record(h, v[i]);
	free(v);
	return 0;
}

int h_owner_show(struct hctx *h)
{
	struct reg_owner *o;

	if (hcheck(h, 2, 1, NULL) < 0 || (o = howner(h, 2)) == NULL)
		return -1;
	owner_record(h, o);
	return 0;
}

int h_owner_set(struct hctx *h)
{
	struct reg_owner *o;
	const char *uv;
	int64_t window, idle;

	if (hcheck(h, 2, 1, "require-uv", "window", "idle", NULL) < 0 || (o = howner(h, 2)) == NULL)
		return -1;
	window = o->window;
	idle = o->idle;
	uv = ctl_request_opt(h->req, "require-uv");
	if (uv != NULL && strcmp(uv, "yes") != 0 && strcmp(uv, "no") != 0)
		return herr(h, "invalid require-uv '%s': expected yes or no", uv);
	if (hduration(h, "window", &window, false) < 0 || hduration(h, "idle", &idle, true) < 0)
		return -1;
	if (uv != NULL)
		o->require_uv = strcmp(uv, "yes") == 0;
	o->window = window;
	o->idle = idle;
	registry_owner_changed(h->d->reg);
	audit_event("owner-set", "owner", o->name, "require-uv", o->require_uv ? "yes" : "no", "by",
		    h->by, NULL);
	/* Running sessions keep their window: the new policy applies from
	 * the next opening. */
	return hsave(h);
}

static uint64_t boot_seconds(void)
{
	return clock_boot_ns() / NS_PER_SEC;
}

static void key_records(struct hctx *h, const struct reg_owner *o)
{
	uint64_t now = boot_seconds();

	for (const struct reg_cred *c = o->creds; c != NULL; c = c->next) {
		uint64_t locked = lockout_left(o->name, c->id, now);
		char t[32];

		clock_format_utc(t, sizeof(t), c->added);
		ctl_add_field(h->out, "owner", o->name);
		ctl_add_field(h->out, "id", c->id);
		ctl_add_field(h->out, "alg", registry_alg_name(c->alg));
		ctl_add_fieldf(h->out, "counter", "%u", c->counter);
		ctl_add_field(h->out, "state",
			      c->revoked   ? "revoked"
			      : locked > 0 ? "locked"
					   : "active");
		ctl_add_field(h->out, "added", t);
		if (locked > 0 && !c->revoked)
			ctl_add_fieldf(h->out, "locked-left", "%llu", (unsigned long long)locked);
		else
			ctl_add_field(h->out, "locked-left", "-");
		ctl_end_line(h->out);
	}
}

int h_key_list(struct hctx *h)
{
	struct reg_owner *o;

	if (h->req->nargs == 3) {
		if (hcheck(h, 2, 1, NULL) < 0 || (o = howner(h, 2)) == NULL)
			return -1;
		key_records(h, o);
		return 0;
	}
	if (hcheck(h, 2, 0, NULL) < 0)
		return -1;
	for (size_t i = 0; i < h->d->reg->n_owners; i++)
		key_records(h, h->d->reg->owners[i]);
	return 0;
}

int h_key_revoke(struct hctx *h)
{
	struct reg_owner *o;
	struct reg_cred *c;
	char by[SESSION_BY_LEN];
	int ret;

	if (hcheck(h, 2, 2, NULL) < 0 || (o = howner(h, 2)) == NULL)
		return -1;
	c = registry_cred_find(o, h->req->args[3]);
	if (c == NULL)
		return herr(h, "owner '%s' has no key '%s'", o->name, h->req->args[3]);
	registry_cred_revoke(h->d->reg, c);
	ret = hsave(h);
	audit_event("key-revoke", "owner", o->name, "key", c->id, "by", h->by, NULL);
	/* A lost key may have opened sessions: those end with it. */
	snprintf(by, sizeof(by), "key:%s", c->id);
	for (size_t i = 0; i < h->d->sessions.n;) {
		struct session *s = h->d->sessions.heap[i];

		if (strcmp(s->by, by) == 0 && strcmp(s->owner, o->name) == 0)
			vpnd_session_end(h->d, s, "revoked", h->by);
		else
			i++;
	}
	return ret;
}

/* Ends a lockout (vpnd/lockout.h) before its time, once the admin knows
 * who made the failed attempts: the owner, not an attacker holding the
 * credential ID. */
int h_key_unlock(struct hctx *h)
{
	struct reg_owner *o;
	struct reg_cred *c;
	bool was;

	if (hcheck(h, 2, 2, NULL) < 0 || (o = howner(h, 2)) == NULL)
		return -1;
	c = registry_cred_find(o, h->req->args[3]);
	if (c == NULL)
		return herr(h, "owner '%s' has no key '%s'", o->name, h->req->args[3]);
	if (c->revoked)
		return herr(h, "key '%s' of '%s' is revoked: unlocking cannot bring it back", c->id,
			    o->name);
	was = lockout_clear(o->name, c->id, boot_seconds());
	audit_event("key-unlock", "owner", o->name, "key", c->id, "was",
		    was ? "locked" : "unlocked", "by", h->by, NULL);
	return 0;
}

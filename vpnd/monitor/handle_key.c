/* SPDX-License-Identifier: ISC */
/* key list | revoke | unlock (handle_key.h); above hctx.c, gate.c and
 * lockout.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor/audit.h"
#include "base/clock.h"
#include "monitor/gate.h"
#include "monitor/handle_key.h"
#include "monitor/lockout.h"

static uint64_t boot_seconds(void)
{
	return clock_boot_ns() / NS_PER_SEC;
}

static void key_records(struct hctx *h, const struct reg_owner *o)
{
	uint64_t now = boot_seconds();

	for (const struct reg_cred *c = o->creds; c != NULL; c = c->next) {
		uint64_t locked = lockout_left(h->d->lockout, o->name, c->id, now);
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

int handle_key_list(struct hctx *h)
{
	struct reg_owner *o;
	int ret;

	if (h->req->nargs == 3) {
		if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_owner(h, 2, &o)) < 0)
			return ret;
		key_records(h, o);
		return 0;
	}
	if ((ret = hctx_check(h, 2, 0, NULL)) < 0)
		return ret;
	for (size_t i = 0; i < h->d->reg->n_owners; i++)
		key_records(h, h->d->reg->owners[i]);
	return 0;
}

int handle_key_revoke(struct hctx *h)
{
	struct reg_owner *o;
	struct reg_cred *c;
	char by[SESSION_BY_LEN];
	int ret;

	if ((ret = hctx_check(h, 2, 2, NULL)) < 0 || (ret = hctx_owner(h, 2, &o)) < 0)
		return ret;
	c = registry_cred_find(o, h->req->args[3]);
	if (c == NULL)
		return hctx_err(h, -ENOENT, "owner '%s' has no key '%s'", o->name, h->req->args[3]);
	registry_cred_revoke(h->d->reg, c);
	ret = hctx_save(h);
	audit_event("key-revoke", "owner", o->name, "key", c->id, "by", h->by, NULL);
	/* A lost key may have opened sessions: those end with it. */
	snprintf(by, sizeof(by), "key:%s", c->id);
	for (size_t i = 0; i < h->d->sessions.n;) {
		struct session *s = h->d->sessions.heap[i];

		if (strcmp(s->by, by) == 0 && strcmp(s->owner, o->name) == 0)
			gate_session_end(h->d, s, "revoked", h->by);
		else
			i++;
	}
	return ret;
}

/* Ends a lockout (lockout.h) before its time, once the admin knows who
 * made the failed attempts: the owner, not an attacker holding the
 * credential ID. */
int handle_key_unlock(struct hctx *h)
{
	struct reg_owner *o;
	struct reg_cred *c;
	bool was;
	int ret;

	if ((ret = hctx_check(h, 2, 2, NULL)) < 0 || (ret = hctx_owner(h, 2, &o)) < 0)
		return ret;
	c = registry_cred_find(o, h->req->args[3]);
	if (c == NULL)
		return hctx_err(h, -ENOENT, "owner '%s' has no key '%s'", o->name, h->req->args[3]);
	if (c->revoked)
		return hctx_err(h, -EPERM,
				"key '%s' of '%s' is revoked: unlocking cannot bring it back",
				c->id, o->name);
	was = lockout_clear(h->d->lockout, o->name, c->id, boot_seconds());
	audit_event("key-unlock", "owner", o->name, "key", c->id, "was",
		    was ? "locked" : "unlocked", "by", h->by, NULL);
	return 0;
}

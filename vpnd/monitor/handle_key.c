/* SPDX-License-Identifier: ISC */
/* key list | revoke | unlock (handle_key.h); above hctx.c, gate.c and
 * lockout.c. A key is named by any unique prefix of its ID
 * (registry_cred_lookup). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
		ctl_add_field(h->out, "by-key", c->by_key[0] != '\0' ? c->by_key : "-");
		ctl_add_field(h->out, "by-device", c->by_device[0] != '\0' ? c->by_device : "-");
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

/* The key args[3] names, by a unique prefix of its ID. */
static int named_key(struct hctx *h, struct reg_owner **o, struct reg_cred **c)
{
	int ret = hctx_owner(h, 2, o);

	if (ret < 0)
		return ret;
	return registry_cred_lookup(*o, h->req->args[3], c, h->err);
}

/* A lost key may have opened sessions: those end with it. Sessions opened
 * before key IDs had their long form name the key by its old short ID.
 * The web page's sessions ("web:OWNER") do not say which of the owner's
 * keys made the grant they came from, so they all end: failing closed. */
static void end_sessions(struct hctx *h, const struct reg_owner *o, const struct reg_cred *c)
{
	char by[SESSION_BY_LEN], old[SESSION_BY_LEN], web[SESSION_BY_LEN];
	char legacy[REG_CRED_ID_LEGACY + 1];

	registry_cred_legacy_id(legacy, c->credid, c->credid_len);
	snprintf(by, sizeof(by), "key:%s", c->id);
	snprintf(old, sizeof(old), "key:%s", legacy);
	snprintf(web, sizeof(web), "web:%s", o->name);
	for (size_t i = 0; i < h->d->sessions.n;) {
		struct session *s = h->d->sessions.heap[i];

		if ((strcmp(s->by, by) == 0 || strcmp(s->by, old) == 0 ||
		     strcmp(s->by, web) == 0) &&
		    strcmp(s->owner, o->name) == 0)
			gate_session_end(h->d, s, "revoked", h->by);
		else
			i++;
	}
}

/* The key and, with cascade, every key added under it, and under those:
 * by_key names the key whose assertion allowed a key in. */
static size_t revoked_set(struct reg_owner *o, struct reg_cred *root, bool cascade,
			  struct reg_cred **set, size_t cap)
{
	size_t n = 0;
	bool grew = true;

	set[n++] = root;
	while (cascade && grew) {
		grew = false;
		for (struct reg_cred *k = o->creds; k != NULL && n < cap; k = k->next) {
			bool in = false, under = false;

			for (size_t i = 0; i < n; i++) {
				in |= set[i] == k;
				under |= strcmp(k->by_key, set[i]->id) == 0;
			}
			if (!in && under) {
				set[n++] = k;
				grew = true;
			}
		}
	}
	return n;
}

int handle_key_revoke(struct hctx *h)
{
	bool cascade = ctl_request_opt(h->req, "cascade") != NULL;
	struct reg_cred *c, **set;
	struct reg_owner *o;
	size_t n = 0, cap = 1;
	int ret;

	if ((ret = hctx_check(h, 2, 2, "cascade", NULL)) < 0 || (ret = named_key(h, &o, &c)) < 0)
		return ret;
	for (struct reg_cred *k = o->creds; k != NULL; k = k->next)
		cap++;
	set = calloc(cap, sizeof(*set));
	if (set == NULL)
		return hctx_err(h, -ENOMEM, "out of memory");
	n = revoked_set(o, c, cascade, set, cap);
	for (size_t i = 0; i < n; i++)
		registry_cred_revoke(h->d->reg, set[i]);
	ret = hctx_save(h);
	for (size_t i = 0; i < n; i++) {
		audit_event("key-revoke", "owner", o->name, "key", set[i]->id, "by", h->by,
			    "cascade-of", i > 0 ? c->id : "-", NULL);
		end_sessions(h, o, set[i]);
		ctl_add_field(h->out, "owner", o->name);
		ctl_add_field(h->out, "id", set[i]->id);
		ctl_add_field(h->out, "cascade-of", i > 0 ? c->id : "-");
		ctl_end_line(h->out);
	}
	free(set);
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

	if ((ret = hctx_check(h, 2, 2, NULL)) < 0 || (ret = named_key(h, &o, &c)) < 0)
		return ret;
	if (c->revoked)
		return hctx_err(h, -EPERM,
				"key '%s' of '%s' is revoked: unlocking cannot bring it back",
				c->id, o->name);
	was = lockout_clear(h->d->lockout, o->name, c->id, boot_seconds());
	audit_event("key-unlock", "owner", o->name, "key", c->id, "was",
		    was ? "locked" : "unlocked", "by", h->by, NULL);
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* peer add | list | show | remove | disable | enable (handle_peer.h);
 * above handle_session.c, hctx.c, gate.c and actport.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "monitor/actport.h"
#include "monitor/audit.h"
#include "base/duration.h"
#include "state/enrollcode.h"
#include "monitor/gate.h"
#include "monitor/handle_peer.h"
#include "monitor/handle_session.h"
#include "proto/proto.h"

static void fmt_dur(char *out, size_t len, uint64_t s)
{
	if (s == 0)
		snprintf(out, len, "off");
	else
		duration_format(out, len, s);
}

static void peer_record(struct hctx *h, const struct reg_peer *p, bool full)
{
	const struct session *s = session_find(&h->d->sessions, p->name);
	char a[IPADDR_STR_LEN], d[24];
	key_b64_t k;

	ipaddr_format(&p->addr, a, sizeof(a), false);
	if (p->has_key)
		key_to_base64(k, p->key);
	ctl_add_field(h->out, "name", p->name);
	ctl_add_field(h->out, "owner", p->owner->name);
	ctl_add_field(h->out, "kind", registry_kind_name(p->kind));
	ctl_add_field(h->out, "address", a);
	ctl_add_field(h->out, "state", p->disabled ? "disabled" : "enabled");
	ctl_add_field(h->out, "session", s != NULL ? "active" : "-");
	ctl_add_field(h->out, "public-key", p->has_key ? k : "-");
	if (full) {
		char t[32];

		fmt_dur(d, sizeof(d), gate_peer_window(h->d, p));
		ctl_add_field(h->out, "window", d);
		fmt_dur(d, sizeof(d), gate_peer_idle(h->d, p));
		ctl_add_field(h->out, "idle", d);
		ctl_add_field(h->out, "psk", p->psk != NULL ? "static" : "-");
		clock_format_utc(t, sizeof(t), p->added);
		ctl_add_field(h->out, "added", t);
	}
	if (s != NULL)
		handle_session_fields(h, s);
	ctl_end_line(h->out);
}

static int in_networks(const struct vpnd *d, const struct ipaddr *a)
{
	for (int i = 0; i < d->conf.n_addresses; i++)
		if (ipaddr_in_net(a, &d->conf.addresses[i]))
			return 1;
	return 0;
}

static int parse_peer_opts(struct hctx *h, struct reg_peer *p, uint8_t psk[KEY_LEN])
{
	const char *v;
	int ret;

	if ((v = ctl_request_opt(h->req, "address")) != NULL) {
		if (ipaddr_parse(&p->addr, v, false) < 0)
			return hctx_err(h, -EINVAL,
					"invalid address '%s': expected an IPv4 or IPv6 address",
					v);
		if (!in_networks(h->d, &p->addr))
			return hctx_err(h, -EINVAL, "address %s is outside the networks of %s", v,
					h->d->conf.ifname);
	}
	if ((v = ctl_request_opt(h->req, "public-key")) != NULL) {
		if (key_from_base64(p->key, v) < 0)
			return hctx_err(h, -EINVAL,
					"invalid public key '%s': expected 44 characters of base64",
					v);
		p->has_key = true;
	}
	if ((v = ctl_request_opt(h->req, "kind")) != NULL) {
		if (strcmp(v, "mobile") != 0 && strcmp(v, "laptop") != 0)
			return hctx_err(h, -EINVAL, "invalid kind '%s': expected laptop or mobile",
					v);
		p->kind = strcmp(v, "mobile") == 0 ? REG_MOBILE : REG_LAPTOP;
	}
	if ((v = ctl_request_opt(h->req, "psk")) != NULL) {
		if (p->kind != REG_MOBILE)
			return hctx_err(h, -EINVAL,
					"a static preshared key is for mobile peers only");
		if (key_from_base64(psk, v) < 0)
			return hctx_err(h, -EINVAL,
					"invalid preshared key: expected 44 characters of base64");
		p->psk = psk;
	}
	if ((ret = hctx_duration(h, "window", &p->window, false)) < 0 ||
	    (ret = hctx_duration(h, "idle", &p->idle, true)) < 0)
		return ret;
	return 0;
}

int handle_peer_add(struct hctx *h)
{
	struct reg_peer tmpl = {.window = REG_INHERIT, .idle = REG_INHERIT}, *p = NULL;
	const char *name, *owner = ctl_request_opt(h->req, "owner");
	const char *existing = ctl_request_opt(h->req, "existing-owner");
	const char *enroll = ctl_request_opt(h->req, "enroll");
	char code[ENROLLCODE_STR_LEN + 1] = "", uri[ENROLLCODE_URI_LEN], a[IPADDR_STR_LEN];
	uint8_t psk[KEY_LEN];
	char uid[16];
	bool new_owner = false;
	int ret;

	if ((ret = hctx_check(h, 2, 1, "owner", "address", "window", "idle", "public-key", "kind",
			      "psk", "existing-owner", "enroll", NULL)) < 0)
		return ret;
	name = h->req->args[2];
	if (!text_valid_name(name))
		return hctx_err(h, -EINVAL,
				"invalid peer name '%s': 1 to 32 of A-Z a-z 0-9 . _ - @ +", name);
	if (owner == NULL)
		return hctx_err(h, -EINVAL, "peer add needs an owner");
	if (!text_valid_name(owner))
		return hctx_err(h, -EINVAL,
				"invalid owner name '%s': 1 to 32 of A-Z a-z 0-9 . _ - @ +", owner);
	strcpy(tmpl.name, name);
	tmpl.added = clock_wall();
	if ((ret = parse_peer_opts(h, &tmpl, psk)) < 0)
		goto out;
	tmpl.owner = registry_owner_find(h->d->reg, owner);
	if (tmpl.owner == NULL) {
		if (existing != NULL && strcmp(existing, "yes") == 0) {
			ret = hctx_err(h, -ENOENT,
				       "no owner named '%s' (add it with `vpnd owner add %s`)",
				       owner, owner);
			goto out;
		}
		if (registry_peer_find(h->d->reg, name) != NULL) {
			ret = hctx_err(h, -EEXIST, "peer '%s' exists already", name);
			goto out;
		}
		if ((ret = registry_owner_add(h->d->reg, owner, &tmpl.owner)) < 0) {
			hctx_err(h, ret, "cannot add owner '%s'", owner);
			goto out;
		}
		new_owner = true;
	}
	if ((ret = registry_peer_add(h->d->reg, &tmpl, &p, h->err)) < 0)
		goto out;
	if ((enroll == NULL || strcmp(enroll, "no") != 0) &&
	    (ret = registry_code_create(h->d->reg, p, ENROLLCODE_TTL, code)) < 0) {
		hctx_err(h, ret, "cannot make an enrollment code");
		registry_peer_remove(h->d->reg, p);
		goto out;
	}
	if (new_owner)
		audit_event("owner-add", "owner", owner, "by", h->by, NULL);
	/* From here the change is live; a failed save says so and keeps it. */
	new_owner = false;
	if ((ret = hctx_save(h)) < 0)
		goto out;
	ipaddr_format(&p->addr, a, sizeof(a), false);
	snprintf(uid, sizeof(uid), "%d", (int)h->uid);
	audit_event("peer-add", "peer", name, "owner", owner, "kind", registry_kind_name(p->kind),
		    "address", a, "by", h->by, "uid", uid, NULL);
	ctl_add_field(h->out, "name", name);
	ctl_add_field(h->out, "owner", owner);
	ctl_add_field(h->out, "kind", registry_kind_name(p->kind));
	ctl_add_field(h->out, "address", a);
	if (code[0] != '\0') {
		char t[32];

		uint8_t act[KEY_LEN], raw[PROTO_CODE_LEN];
		size_t rl = 0;

		actport_public_key(act, h->d->private_key);
		if (sodium_base642bin(raw, sizeof(raw), code, strlen(code), NULL, &rl, NULL,
				      sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
		    rl == sizeof(raw) &&
		    proto_uri_format(uri, sizeof(uri), h->d->conf.endpoint_host,
				     h->d->conf.activation_port, act, raw,
				     h->d->conf.web.enabled ? h->d->conf.web.domain : NULL,
				     name) == 0)
			ctl_add_field(h->out, "uri", uri);
		/* A phone's owner registers a key in the browser: the code
		 * in the fragment, which no request line or log carries. */
		if (h->d->conf.web.enabled && p->kind == REG_MOBILE) {
			snprintf(uri, sizeof(uri), "%s/register#%s", h->d->conf.web.origin, code);
			ctl_add_field(h->out, "web-uri", uri);
		}
		clock_format_utc(t, sizeof(t), clock_wall() + ENROLLCODE_TTL);
		ctl_add_field(h->out, "uri-expires", t);
	}
	ctl_end_line(h->out);
	ret = 0;
out:
	/* An owner made only for this peer goes with the failed peer. */
	if (ret < 0 && new_owner)
		registry_owner_remove(h->d->reg, tmpl.owner);
	sodium_memzero(psk, sizeof(psk));
	sodium_memzero(code, sizeof(code));
	sodium_memzero(uri, sizeof(uri));
	return ret;
}

int handle_peer_list(struct hctx *h)
{
	struct reg_peer **v;
	int ret;

	if ((ret = hctx_check(h, 2, 0, NULL)) < 0)
		return ret;
	if ((ret = registry_peers_sorted(h->d->reg, &v)) < 0)
		return hctx_err(h, ret, "out of memory");
	for (size_t i = 0; i < h->d->reg->n_peers; i++)
		peer_record(h, v[i], false);
	free(v);
	return 0;
}

int handle_peer_show(struct hctx *h)
{
	struct reg_peer *p;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	peer_record(h, p, true);
	return 0;
}

static void audit_peer(struct hctx *h, const char *event, const struct reg_peer *p)
{
	char uid[16];

	snprintf(uid, sizeof(uid), "%d", (int)h->uid);
	audit_event(event, "peer", p->name, "owner", p->owner->name, "by", h->by, "uid", uid, NULL);
}

int handle_peer_remove(struct hctx *h)
{
	struct reg_peer *p;
	struct session *s;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	s = session_find(&h->d->sessions, p->name);
	if (s != NULL)
		gate_session_end(h->d, s, "removed", h->by);
	audit_peer(h, "peer-remove", p);
	registry_peer_remove(h->d->reg, p);
	return hctx_save(h);
}

int handle_peer_disable(struct hctx *h)
{
	struct reg_peer *p;
	struct session *s;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	registry_peer_set_disabled(h->d->reg, p, true);
	ret = hctx_save(h);
	s = session_find(&h->d->sessions, p->name);
	if (s != NULL)
		gate_session_end(h->d, s, "disabled", h->by);
	audit_peer(h, "peer-disable", p);
	return ret;
}

int handle_peer_enable(struct hctx *h)
{
	struct reg_peer *p;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	registry_peer_set_disabled(h->d->reg, p, false);
	audit_peer(h, "peer-enable", p);
	return hctx_save(h);
}

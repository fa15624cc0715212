/* SPDX-License-Identifier: ISC */
/* peer add | list | show | remove | disable | enable (handle_peer.h);
 * above handle_session.c, hctx.c and gate.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "monitor/audit.h"
#include "base/duration.h"
#include "state/enrollcode.h"
#include "monitor/gate.h"
#include "monitor/handle_peer.h"
#include "monitor/handle_session.h"

static void fmt_dur(char *out, size_t len, uint64_t s)
{
	if (s == 0)
		snprintf(out, len, "off");
	else
		duration_format(out, len, s);
}

/* address: the first of a peer's addresses (what scripts read before
 * dual-stack tunnels); addresses: all, IPv4 first, commas between. */
static void first_addr(const struct reg_peer *p, char a[IPADDR_STR_LEN])
{
	struct ipaddr v[REG_ADDRS_MAX];

	if (registry_addr_list(p, v) > 0)
		ipaddr_format(&v[0], a, IPADDR_STR_LEN, false);
	else
		strcpy(a, "-");
}

static void peer_record(struct hctx *h, const struct reg_peer *p, bool full)
{
	const struct session *s = session_find(&h->d->sessions, p->name);
	char a[IPADDR_STR_LEN], all[IPADDR_LIST_STR_LEN], d[24];
	key_b64_t k;

	first_addr(p, a);
	registry_addr_text(p, all, false);
	if (p->has_key)
		key_to_base64(k, p->key);
	ctl_add_field(h->out, "name", p->name);
	ctl_add_field(h->out, "owner", p->owner->name);
	ctl_add_field(h->out, "kind", registry_kind_name(p->kind));
	ctl_add_field(h->out, "address", a);
	ctl_add_field(h->out, "addresses", all);
	ctl_add_field(h->out, "state", p->disabled ? "disabled" : "enabled");
	ctl_add_field(h->out, "session", s != NULL ? "active" : "-");
	ctl_add_field(h->out, "public-key", p->has_key ? k : "-");
	if (full) {
		char t[32];

		fmt_dur(d, sizeof(d), gate_peer_window(h->d, p));
		ctl_add_field(h->out, "window", d);
		fmt_dur(d, sizeof(d), gate_peer_idle(h->d, p));
		ctl_add_field(h->out, "idle", d);
		ctl_add_fieldf(h->out, "keepalive", "%u", gate_peer_keepalive(p));
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

/* --keepalive N (seconds, 0 off) or default; unchanged when absent. */
static int parse_keepalive(struct hctx *h, int32_t *out)
{
	const char *v = ctl_request_opt(h->req, "keepalive");
	char *end;
	long n;

	if (v == NULL)
		return 0;
	if (strcmp(v, "default") == 0 || strcmp(v, "-") == 0) {
		*out = REG_INHERIT;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n > 65535)
		return hctx_err(h, -EINVAL,
				"invalid keepalive '%s': expected 0 to 65535 seconds (0: off) or "
				"default",
				v);
	*out = (int32_t)n;
	return 0;
}

static int parse_peer_opts(struct hctx *h, struct reg_peer *p, uint8_t psk[KEY_LEN])
{
	const char *v;
	int ret;

	if ((v = ctl_request_opt(h->req, "address")) != NULL) {
		struct ipaddr a[REG_ADDRS_MAX];
		char s[IPADDR_STR_LEN];
		int n = ipaddr_parse_list(a, REG_ADDRS_MAX, v);

		if (n < 0)
			return hctx_err(h, -EINVAL,
					"invalid address '%s': expected an IPv4 address, an IPv6 "
					"address or one of each, a comma between",
					v);
		for (int i = 0; i < n; i++) {
			ipaddr_format(&a[i], s, sizeof(s), false);
			if (!in_networks(h->d, &a[i]))
				return hctx_err(h, -EINVAL,
						"address %s is outside the networks of %s", s,
						h->d->conf.ifname);
			registry_addr_put(p, &a[i]);
		}
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
	    (ret = hctx_duration(h, "idle", &p->idle, true)) < 0 ||
	    (ret = parse_keepalive(h, &p->keepalive)) < 0)
		return ret;
	return 0;
}

/* Whether peer add makes a code, and for what: none with --no-enroll; for
 * a peer whose key pair was made elsewhere (--public-key) the code could
 * only enroll a security key, so there is one only while the owner has
 * no key yet (the first must come from somewhere), or for key recovery
 * (--new-key). Anything else would be a way to add a key that enroll
 * add-key, with a key and a laptop of the owner's, is for. */
static int code_wanted(struct hctx *h, const struct reg_peer *p, bool new_key, bool *want)
{
	const char *enroll = ctl_request_opt(h->req, "enroll");
	bool no = enroll != NULL && strcmp(enroll, "no") == 0;

	if (no && new_key)
		return hctx_err(h, -EINVAL, "--new-key makes a code and --no-enroll makes none");
	*want = !no &&
		(new_key || !p->has_key || p->owner == NULL || registry_cred_active(p->owner) == 0);
	return 0;
}

static void audit_code(struct hctx *h, const struct reg_peer *p, bool new_key)
{
	char uid[16];

	snprintf(uid, sizeof(uid), "%d", (int)h->uid);
	audit_event("code-issue", "peer", p->name, "owner", p->owner->name, "new-key",
		    new_key ? "yes" : "no", "by", h->by, "uid", uid, NULL);
}

int handle_peer_add(struct hctx *h)
{
	struct reg_peer tmpl = {.window = REG_INHERIT,
				.idle = REG_INHERIT,
				.keepalive = REG_INHERIT},
			*p = NULL;
	const char *name, *owner = ctl_request_opt(h->req, "owner");
	const char *existing = ctl_request_opt(h->req, "existing-owner");
	bool new_key = ctl_request_opt(h->req, "new-key") != NULL, want = false;
	char code[ENROLLCODE_STR_LEN + 1] = "", a[IPADDR_STR_LEN], all[IPADDR_LIST_STR_LEN];
	uint8_t psk[KEY_LEN];
	char uid[16];
	bool new_owner = false;
	int ret;

	if ((ret = hctx_check(h, 2, 1, "owner", "address", "window", "idle", "keepalive",
			      "public-key", "kind", "psk", "existing-owner", "enroll", "new-key",
			      NULL)) < 0)
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
	if ((ret = code_wanted(h, &tmpl, new_key, &want)) < 0)
		goto out;
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
	if (want && (ret = registry_code_create(h->d->reg, p, ENROLLCODE_TTL, new_key, code)) < 0) {
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
	first_addr(p, a);
	registry_addr_text(p, all, false);
	snprintf(uid, sizeof(uid), "%d", (int)h->uid);
	audit_event("peer-add", "peer", name, "owner", owner, "kind", registry_kind_name(p->kind),
		    "address", a, "addresses", all, "by", h->by, "uid", uid, NULL);
	if (want)
		audit_code(h, p, new_key);
	ctl_add_field(h->out, "name", name);
	ctl_add_field(h->out, "owner", owner);
	ctl_add_field(h->out, "kind", registry_kind_name(p->kind));
	ctl_add_field(h->out, "address", a);
	ctl_add_field(h->out, "addresses", all);
	if (want)
		hctx_code_uri(h, p, code, new_key);
	else if (ctl_request_opt(h->req, "enroll") == NULL)
		ctl_add_fieldf(h->out, "note",
			       "no enrollment code: %s has security keys and the key pair of %s "
			       "was made elsewhere, so there is nothing to enroll (--new-key "
			       "makes a code for key recovery)",
			       owner, name);
	ctl_end_line(h->out);
	ret = 0;
out:
	/* An owner made only for this peer goes with the failed peer. */
	if (ret < 0 && new_owner)
		registry_owner_remove(h->d->reg, tmpl.owner);
	sodium_memzero(psk, sizeof(psk));
	sodium_memzero(code, sizeof(code));
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
	hctx_code_void(h, p, "removed");
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
	/* A code made before the decision would enroll a key for an owner
	 * whose peer the admin just shut: it goes too. */
	hctx_code_void(h, p, "disabled");
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

int handle_peer_set(struct hctx *h)
{
	struct reg_peer *p;
	int64_t window, idle;
	int32_t keepalive;
	char uid[16];
	int ret;

	if ((ret = hctx_check(h, 2, 1, "window", "idle", "keepalive", NULL)) < 0 ||
	    (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	window = p->window;
	idle = p->idle;
	keepalive = p->keepalive;
	/* All checked before any is changed. */
	if ((ret = hctx_duration(h, "window", &window, false)) < 0 ||
	    (ret = hctx_duration(h, "idle", &idle, true)) < 0 ||
	    (ret = parse_keepalive(h, &keepalive)) < 0)
		return ret;
	p->window = window;
	p->idle = idle;
	p->keepalive = keepalive;
	registry_peer_changed(h->d->reg);
	snprintf(uid, sizeof(uid), "%d", (int)h->uid);
	audit_event("peer-set", "peer", p->name, "owner", p->owner->name, "by", h->by, "uid", uid,
		    NULL);
	/* A running session keeps its window and idle timeout; the new ones
	 * apply from the next opening (as owner set). */
	return hctx_save(h);
}

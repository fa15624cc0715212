/* SPDX-License-Identifier: ISC */
/* The activate and status pages' calls (webact.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/log.h"
#include "monitor/assertion.h"
#include "monitor/audit.h"
#include "monitor/ends.h"
#include "monitor/gate.h"
#include "monitor/lockout.h"
#include "monitor/verify.h"
#include "monitor/webact.h"
#include "state/journal.h"

#define FAKE_ID_LEN 48

static uint64_t now_s(void)
{
	return clock_boot_ns() / NS_PER_SEC;
}

int webact_challenge(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r)
{
	const struct webconf *wc = &d->conf.web;
	struct reg_owner *o = registry_owner_find(d->reg, q->owner);
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN];
	bool first = true;

	if (q->owner[0] == '\0')
		return web_refuse(d, r, PROTO_ERR_BAD_REQUEST, "web-challenge", NULL, q->src);
	webauthn_challenge_make(d->web->secret, ch, WEBAUTHN_ACTIVATE, q->owner, wc->origin,
				now_s());
	d->web->challenges++;
	web_reply_ok(r);
	web_reply_b64(r, "challenge", ch, sizeof(ch));
	strbuf_puts(r->body, ",\"rpId\":");
	strbuf_json_string(r->body, wc->domain);
	/* A name that is no owner gets a new owner's policy (UV required). */
	strbuf_printf(r->body, ",\"userVerification\":\"%s\",\"allow\":[",
		      o == NULL || o->require_uv ? "required" : "preferred");
	if (o == NULL || o->creds == NULL) {
		/* What an owner with one key would get, the same for the
		 * same name every time: no name tells whether it exists. */
		uint8_t fake[FAKE_ID_LEN];

		crypto_generichash(fake, sizeof(fake), (const uint8_t *)q->owner, strlen(q->owner),
				   d->web->fake_key, sizeof(d->web->fake_key));
		web_reply_b64(r, NULL, fake, sizeof(fake));
	} else {
		for (const struct reg_cred *c = o->creds; c != NULL; c = c->next) {
			if (c->credid_len > WEBMSG_CREDID_MAX)
				continue;
			if (!first)
				strbuf_puts(r->body, ",");
			web_reply_b64(r, NULL, c->credid, c->credid_len);
			first = false;
		}
	}
	strbuf_puts(r->body, "]}");
	return 0;
}

static const char *end_name(uint8_t reason)
{
	static const char *const names[] = {"none", "window", "idle", "revoked", "killed", "down"};

	return reason <= PROTO_END_MAX ? names[reason] : "none";
}

/* ,"devices":[...]: the owner's phones, open or not, and why the last
 * session ended. Laptops open from their own request only (ops.c). */
static void devices_json(struct vpnd *d, const struct reg_owner *o, struct web_reply *r)
{
	uint64_t now = clock_boot_ns();
	bool first = true;

	strbuf_puts(r->body, ",\"devices\":[");
	for (size_t i = 0; i < d->reg->n_peers; i++) {
		const struct reg_peer *p = d->reg->peers[i];
		const struct session *s;
		const struct end_note *e;

		/* A phone without its WireGuard key yet cannot open. */
		if (p->owner != o || p->kind != REG_MOBILE || !p->has_key)
			continue;
		s = session_find(&d->sessions, p->name);
		strbuf_puts(r->body, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		strbuf_json_string(r->body, p->name);
		strbuf_printf(r->body, ",\"open\":%s,\"disabled\":%s", s != NULL ? "true" : "false",
			      p->disabled ? "true" : "false");
		if (s != NULL) {
			uint64_t end = session_deadline(s);

			strbuf_printf(
				r->body, ",\"secondsLeft\":%llu",
				(unsigned long long)(end > now ? (end - now) / NS_PER_SEC : 0));
		} else {
			e = ends_find(d->ends, p->name);
			strbuf_printf(r->body, ",\"ended\":\"%s\"",
				      p->disabled ? "revoked"
						  : end_name(e != NULL ? e->reason : 0));
		}
		strbuf_puts(r->body, "}");
	}
	strbuf_puts(r->body, "]");
}

/* The assertion's checks, in verify.c's order, with its lockout and its
 * audit lines. On PROTO_OK *count is the new sign counter, which the
 * caller stores (and journals) before it grants anything. */
static enum proto_err check_assertion(struct vpnd *d, const struct webmsg_req *q,
				      struct reg_owner *o, struct reg_cred **out, uint32_t *count)
{
	struct reg_cred *c =
		o != NULL ? registry_cred_find_credid(o, q->cred_id, q->cred_id_len) : NULL;
	struct assertion_policy pol = {.rp_id = d->conf.web.domain};
	struct proto_assertion *as = NULL;
	struct assertion_verifier *v;
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN], cdh[32];
	uint64_t now = now_s(), made = 0;
	enum proto_err e;

	e = webauthn_client_data(q->client_data, q->client_data_len, "webauthn.get",
				 d->conf.web.origin, ch);
	if (e != PROTO_OK)
		return e;
	e = webauthn_challenge_check(d->web->secret, ch, WEBAUTHN_ACTIVATE, q->owner,
				     d->conf.web.origin, now, WEBAUTHN_CHALLENGE_LIFE, &made);
	if (e != PROTO_OK)
		return e;
	if (web_spent(d->web, ch, now))
		return PROTO_ERR_REPLAYED;
	if (c == NULL)
		return PROTO_ERR_CREDENTIAL_UNKNOWN;
	if (c->revoked)
		return PROTO_ERR_CREDENTIAL_REVOKED;
	if (lockout_left(d->lockout, o->name, c->id, now) > 0)
		return PROTO_ERR_KEY_LOCKED;
	if (q->auth_data_len > sizeof(as->auth_data) || q->sig_len > sizeof(as->sig))
		return PROTO_ERR_BAD_REQUEST;
	if ((as = calloc(1, sizeof(*as))) == NULL)
		return PROTO_ERR_INTERNAL;
	memcpy(as->auth_data, q->auth_data, q->auth_data_len);
	as->auth_data_len = q->auth_data_len;
	memcpy(as->sig, q->sig, q->sig_len);
	as->sig_len = q->sig_len;
	crypto_hash_sha256(cdh, q->client_data, q->client_data_len);
	v = verify_verifier(d->verify, o, c);
	pol.require_uv = o->require_uv;
	pol.stored_count = c->counter;
	e = v == NULL ? PROTO_ERR_INTERNAL : assertion_check(v, &pol, cdh, as, count);
	free(as);
	if (e == PROTO_ERR_COUNTER_REGRESSED) {
		char was[16], got[16];

		snprintf(was, sizeof(was), "%u", c->counter);
		snprintf(got, sizeof(got), "%u", *count);
		audit_event("counter-regressed", "owner", o->name, "key", c->id, "stored", was,
			    "got", got, "flag", "possibly-cloned", "via", "web", NULL);
	}
	if (e != PROTO_OK && e != PROTO_ERR_INTERNAL) {
		if (lockout_fail(d->lockout, o->name, c->id, now)) {
			char fails[16], secs[16];

			snprintf(fails, sizeof(fails), "%d", LOCKOUT_FAILS);
			snprintf(secs, sizeof(secs), "%ds", LOCKOUT_TIME);
			audit_event("key-locked", "owner", o->name, "key", c->id, "failures", fails,
				    "for", secs, "via", "web", NULL);
		}
		return e;
	}
	if (e != PROTO_OK)
		return e;
	if ((e = web_spend(d->web, ch, made, now)) != PROTO_OK)
		return e;
	lockout_succeeded(d->lockout, o->name, c->id, now);
	*out = c;
	return PROTO_OK;
}

/* The grown counter on disk before a grant is made with it, in the
 * journal as an activation's (ops.c): a counter that came back after a
 * restart would take a cloned key's older assertions again. */
static enum proto_err store_counter(struct vpnd *d, struct reg_owner *o, struct reg_cred *c,
				    uint32_t count)
{
	uint32_t prev = c->counter;
	int e;

	if (count == prev)
		return PROTO_OK;
	if ((e = daemon_store_counter(d, o, c, count, NULL)) != PROTO_OK)
		return (enum proto_err)e;
	registry_cred_set_counter(d->reg, c, count);
	journal_counter(&d->journal, o, c);
	if (journal_commit(&d->journal) < 0) {
		registry_cred_set_counter(d->reg, c, prev);
		return PROTO_ERR_STATE_NOT_SAVED;
	}
	if (journal_full(&d->journal))
		gate_compact(d);
	return PROTO_OK;
}

/* What a grant is bound to: the owner's name and a digest of the IDs of
 * the owner's revoked keys. Revoking any of the owner's keys changes it,
 * so every grant made before, by whichever key, stops opening anything:
 * a grant does not say which key made it, and a lost key must not keep
 * working for the grant's life. For a name that is no owner, the name. */
static void grant_target(char out[WEB_GRANT_TARGET_LEN], const char *name,
			 const struct reg_owner *o)
{
	crypto_generichash_state st;
	uint8_t h[16];
	size_t n;

	/* The name is at most NAME_MAX_LEN (webmsg's field): room is left for
	 * the digest whatever it is. */
	n = strnlen(name, NAME_MAX_LEN);
	memcpy(out, name, n);
	out[n++] = '\n';
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	for (const struct reg_cred *c = o != NULL ? o->creds : NULL; c != NULL; c = c->next)
		if (c->revoked)
			crypto_generichash_update(&st, (const uint8_t *)c->id, strlen(c->id) + 1);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out + n, WEB_GRANT_TARGET_LEN - n, h, sizeof(h));
}

int webact_activate(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r)
{
	struct reg_owner *o = registry_owner_find(d->reg, q->owner);
	uint8_t grant[WEBAUTHN_CHALLENGE_LEN];
	struct reg_cred *c = NULL;
	char a[64], target[WEB_GRANT_TARGET_LEN];
	uint32_t count = 0;
	enum proto_err e;

	if (q->owner[0] == '\0')
		return web_refuse(d, r, PROTO_ERR_BAD_REQUEST, "web-activate", NULL, q->src);
	e = check_assertion(d, q, o, &c, &count);
	if (e == PROTO_OK)
		e = store_counter(d, o, c, count);
	if (e != PROTO_OK)
		return web_refuse(d, r, e, "web-activate", NULL, q->src);
	d->web->activations++;
	web_addr_text(a, sizeof(a), q->src);
	audit_event("web-authenticated", "owner", o->name, "key", c->id, "src", a, NULL);
	grant_target(target, o->name, o);
	webauthn_challenge_make(d->web->secret, grant, WEBAUTHN_GRANT, target, d->conf.web.origin,
				now_s());
	web_reply_ok(r);
	web_reply_b64(r, "grant", grant, sizeof(grant));
	strbuf_printf(r->body, ",\"grantSeconds\":%d", WEB_GRANT_LIFE);
	devices_json(d, o, r);
	strbuf_puts(r->body, "}");
	return 0;
}

static const char *call_name(uint8_t call)
{
	return call == WEBMSG_OPEN ? "web-open" : call == WEBMSG_END ? "web-end" : "web-devices";
}

/* Every device named is one of the owner's phones, enabled, with a key:
 * else the whole call is refused, naming none, as for a name that is no
 * device. */
static enum proto_err check_devices(struct vpnd *d, const struct webmsg_req *q,
				    const struct reg_owner *o, struct reg_peer **ps)
{
	if (q->n_devices == 0 && q->call != WEBMSG_DEVICES)
		return PROTO_ERR_BAD_REQUEST;
	for (uint8_t i = 0; i < q->n_devices; i++) {
		struct reg_peer *p = registry_peer_find(d->reg, q->devices[i]);

		if (p == NULL || p->owner != o || p->kind != REG_MOBILE || !p->has_key)
			return PROTO_ERR_NOT_PERMITTED;
		if (p->disabled && q->call == WEBMSG_OPEN)
			return PROTO_ERR_PEER_DISABLED;
		ps[i] = p;
	}
	return PROTO_OK;
}

int webact_devices(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r)
{
	struct reg_owner *o = registry_owner_find(d->reg, q->owner);
	struct reg_peer *ps[WEBMSG_DEVICES_MAX];
	const char *op = call_name(q->call);
	char by[8 + NAME_MAX_LEN], err[ERR_LEN], target[WEB_GRANT_TARGET_LEN];
	uint64_t made;
	enum proto_err e;

	if (q->owner[0] == '\0' || !q->has_grant)
		return web_refuse(d, r, PROTO_ERR_BAD_REQUEST, op, NULL, q->src);
	grant_target(target, q->owner, o);
	e = webauthn_challenge_check(d->web->secret, q->grant, WEBAUTHN_GRANT, target,
				     d->conf.web.origin, now_s(), WEB_GRANT_LIFE, &made);
	/* A grant is only made for an owner; one may have gone since. */
	if (e == PROTO_OK && o == NULL)
		e = PROTO_ERR_NOT_PERMITTED;
	if (e == PROTO_OK)
		e = check_devices(d, q, o, ps);
	if (e != PROTO_OK)
		return web_refuse(d, r, e, op, NULL, q->src);
	snprintf(by, sizeof(by), "web:%s", o->name);
	for (uint8_t i = 0; i < q->n_devices; i++) {
		struct session *s = session_find(&d->sessions, ps[i]->name);
		struct gate_open go = {.by = by, .uid = (uid_t)-1};

		if (q->call == WEBMSG_END) {
			if (s != NULL)
				gate_session_end(d, s, "down", by);
			continue;
		}
		if (q->call != WEBMSG_OPEN)
			continue;
		if (gate_session_open(d, ps[i], &go, &s, err) < 0) {
			log_error("web activation of '%s': %s", ps[i]->name, err);
			return web_refuse(
				d, r, go.not_saved ? PROTO_ERR_STATE_NOT_SAVED : PROTO_ERR_INTERNAL,
				op, ps[i]->name, q->src);
		}
		d->web->opened++;
	}
	web_reply_ok(r);
	devices_json(d, o, r);
	strbuf_puts(r->body, "}");
	return 0;
}

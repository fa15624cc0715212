/* SPDX-License-Identifier: ISC */
/* The register page's calls (webreg.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "monitor/audit.h"
#include "monitor/webreg.h"

static uint64_t now_s(void)
{
	return clock_boot_ns() / NS_PER_SEC;
}

/* The code taken out of the registry, under op_enroll's rules (ops.c)
 * but one: the page cannot ask one of the owner's keys to sign, so a code
 * that needs one (the owner has keys and it is no --new-key code) is put
 * back, refused with KEY_REQUIRED, for enroll or a recovery code. */
static enum proto_err take_code(struct vpnd *d, const char *code, struct reg_code **rc,
				struct reg_peer **p)
{
	char err[ERR_LEN];
	int ret = registry_code_take(d->reg, code, rc);

	if (ret == -ETIMEDOUT) {
		/* Worthless now: forgotten if the disk lets us, kept otherwise. */
		daemon_save_registry(d, err);
		return PROTO_ERR_CODE_EXPIRED;
	}
	if (ret < 0)
		return PROTO_ERR_CODE_UNKNOWN;
	*p = registry_peer_find(d->reg, (*rc)->peer);
	if (*p == NULL) {
		free(*rc);
		*rc = NULL;
		return PROTO_ERR_CODE_UNKNOWN;
	}
	if (!(*rc)->new_key && registry_cred_active((*p)->owner) > 0) {
		registry_code_put_back(d->reg, *rc);
		*rc = NULL;
		return PROTO_ERR_KEY_REQUIRED;
	}
	return PROTO_OK;
}

int webreg_challenge(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r)
{
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN], user[16];
	struct reg_code *rc = NULL;
	struct reg_peer *p = NULL;
	enum proto_err e;

	if (strlen(q->code) != ENROLLCODE_STR_LEN)
		return web_refuse(d, r, PROTO_ERR_BAD_REQUEST, "web-register", NULL, q->src);
	/* A code the page cannot take is refused before the owner touches a
	 * key for nothing; the others wait, untouched, for the register. */
	e = take_code(d, q->code, &rc, &p);
	if (rc != NULL)
		registry_code_put_back(d->reg, rc);
	if (e == PROTO_ERR_KEY_REQUIRED)
		return web_refuse(d, r, e, "web-register", p->name, q->src);
	webauthn_challenge_make(d->web->secret, ch, WEBAUTHN_REGISTER, q->code, d->conf.web.origin,
				now_s());
	/* The user handle is not kept: keygate finds a credential by its ID. */
	randombytes_buf(user, sizeof(user));
	d->web->challenges++;
	web_reply_ok(r);
	web_reply_b64(r, "challenge", ch, sizeof(ch));
	web_reply_b64(r, "user", user, sizeof(user));
	strbuf_puts(r->body, ",\"rpId\":");
	strbuf_json_string(r->body, d->conf.web.domain);
	strbuf_puts(r->body, "}");
	return 0;
}

static enum reg_alg alg_of(const struct webauthn_cred *c)
{
	return c->alg == PROTO_COSE_EDDSA ? REG_EDDSA : REG_ES256;
}

/* The checks that cost the code nothing: a refused attempt leaves it
 * valid for the next. */
static enum proto_err check(struct vpnd *d, const struct webmsg_req *q, struct webauthn_cred *cred)
{
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN], cdh[32];
	uint64_t now = now_s(), made = 0;
	enum proto_err e;

	if (strlen(q->code) != ENROLLCODE_STR_LEN)
		return PROTO_ERR_BAD_REQUEST;
	e = webauthn_client_data(q->client_data, q->client_data_len, "webauthn.create",
				 d->conf.web.origin, ch);
	if (e != PROTO_OK)
		return e;
	e = webauthn_challenge_check(d->web->secret, ch, WEBAUTHN_REGISTER, q->code,
				     d->conf.web.origin, now, WEBAUTHN_CHALLENGE_LIFE, &made);
	if (e != PROTO_OK)
		return e;
	if (web_spent(d->web, ch, now))
		return PROTO_ERR_REPLAYED;
	crypto_hash_sha256(cdh, q->client_data, q->client_data_len);
	e = webauthn_attestation(q->attestation, q->attestation_len, d->conf.web.domain, cdh, cred);
	if (e != PROTO_OK)
		return e;
	return web_spend(d->web, ch, made, now);
}

int webreg_register(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r)
{
	struct webauthn_cred *cred = calloc(1, sizeof(*cred));
	struct reg_code *rc = NULL;
	struct reg_peer *p = NULL;
	struct reg_cred *c = NULL;
	char err[ERR_LEN];
	enum proto_err e;
	bool new_key;

	if (cred == NULL)
		return web_refuse(d, r, PROTO_ERR_INTERNAL, "web-register", NULL, q->src);
	if ((e = check(d, q, cred)) != PROTO_OK || (e = take_code(d, q->code, &rc, &p)) != PROTO_OK)
		goto refuse;
	/* The code is spent from here on, whatever follows, and on disk
	 * before anything else happens (ops.c's op_enroll). */
	if (daemon_save_registry(d, err) < 0) {
		registry_code_put_back(d->reg, rc);
		e = PROTO_ERR_STATE_NOT_SAVED;
		goto refuse;
	}
	new_key = rc->new_key;
	sodium_memzero(rc, sizeof(*rc));
	free(rc);
	e = PROTO_ERR_PEER_DISABLED;
	if (p->disabled)
		goto refuse;
	e = PROTO_ERR_UV_REQUIRED;
	if (p->owner->require_uv && !cred->uv)
		goto refuse;
	e = PROTO_ERR_INTERNAL;
	if (registry_cred_add(d->reg, p->owner, alg_of(cred), cred->pk, cred->pk_len, cred->id,
			      cred->id_len, &c) < 0)
		goto refuse;
	c->counter = cred->sign_count;
	if (daemon_save_registry(d, err) < 0) {
		registry_cred_remove(d->reg, p->owner, c);
		e = PROTO_ERR_STATE_NOT_SAVED;
		goto refuse;
	}
	audit_event("enrolled", "peer", p->name, "owner", p->owner->name, "key", c->id, "by-key",
		    "-", "code", new_key ? "new-key" : "plain", "via", "web", "attestation",
		    cred->fmt, NULL);
	d->web->registered++;
	web_reply_ok(r);
	strbuf_puts(r->body, ",\"owner\":");
	strbuf_json_string(r->body, p->owner->name);
	strbuf_puts(r->body, ",\"peer\":");
	strbuf_json_string(r->body, p->name);
	strbuf_puts(r->body, ",\"key\":");
	strbuf_json_string(r->body, c->id);
	strbuf_puts(r->body, "}");
	free(cred);
	return 0;
refuse:
	free(cred);
	return web_refuse(d, r, e, "web-register", p != NULL ? p->name : NULL, q->src);
}

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

int webreg_challenge(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r)
{
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN], user[16];

	if (strlen(q->code) != ENROLLCODE_STR_LEN)
		return web_refuse(d, r, PROTO_ERR_BAD_REQUEST, "web-register", NULL, q->src);
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
	struct reg_peer *p = NULL;
	struct reg_cred *c = NULL;
	char err[ERR_LEN];
	enum proto_err e;
	int ret;

	if (cred == NULL)
		return web_refuse(d, r, PROTO_ERR_INTERNAL, "web-register", NULL, q->src);
	if ((e = check(d, q, cred)) != PROTO_OK)
		goto refuse;
	ret = registry_code_redeem(d->reg, q->code, &p);
	e = ret == -ETIMEDOUT ? PROTO_ERR_CODE_EXPIRED : PROTO_ERR_CODE_UNKNOWN;
	if (ret < 0 || p == NULL)
		goto refuse;
	/* The code is spent from here on, whatever follows. */
	daemon_save_registry(d, err);
	e = PROTO_ERR_UV_REQUIRED;
	if (p->owner->require_uv && !cred->uv)
		goto refuse;
	e = PROTO_ERR_INTERNAL;
	if (registry_cred_add(d->reg, p->owner, alg_of(cred), cred->pk, cred->pk_len, cred->id,
			      cred->id_len, &c) < 0)
		goto refuse;
	registry_cred_set_counter(d->reg, c, cred->sign_count);
	if (daemon_save_registry(d, err) < 0)
		goto refuse;
	audit_event("enrolled", "peer", p->name, "owner", p->owner->name, "key", c->id, "via",
		    "web", "attestation", cred->fmt, NULL);
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

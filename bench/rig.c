/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "rig.h"

static int device_init(struct rig_device *d)
{
	uint8_t pub[65];
	size_t n = 0;

	memset(d, 0, sizeof(*d));
	key_generate_private(d->sk);
	if (key_public(d->pub, d->sk) < 0)
		return -EINVAL;
	d->ec = EVP_EC_gen("P-256");
	if (d->ec == NULL ||
	    EVP_PKEY_get_octet_string_param(d->ec, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
					    sizeof(pub), &n) != 1 ||
	    n != 65)
		return -EIO;
	d->key.alg = PROTO_COSE_ES256;
	memcpy(d->key.pk, pub + 1, 64);
	d->key.pk_len = 64;
	return assertion_verifier_create(&d->verifier, &d->key);
}

static void device_finish(struct rig_device *d)
{
	EVP_PKEY_free(d->ec);
	assertion_verifier_destroy(&d->verifier);
	sodium_memzero(d, sizeof(*d));
}

void rig_device_sign(struct rig_device *d, const uint8_t cdh[32], struct proto_assertion *a)
{
	uint8_t msg[69];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = sizeof(a->sig);
	uint32_t c = ++d->count;

	crypto_hash_sha256(a->auth_data, (const uint8_t *)RP, strlen(RP));
	a->auth_data[32] = 0x05;
	a->auth_data[33] = (uint8_t)(c >> 24);
	a->auth_data[34] = (uint8_t)(c >> 16);
	a->auth_data[35] = (uint8_t)(c >> 8);
	a->auth_data[36] = (uint8_t)c;
	a->auth_data_len = 37;
	memcpy(msg, a->auth_data, 37);
	memcpy(msg + 37, cdh, 32);
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, d->ec) != 1 ||
	    EVP_DigestSign(ctx, a->sig, &n, msg, sizeof(msg)) != 1)
		abort();
	a->sig_len = n;
	a->cred_id_len = 1;
	a->cred_id[0] = d->cred_id;
	EVP_MD_CTX_free(ctx);
}

/* As vpnd keeps it: DH(g, S) per enrolled key, found by the key's first
 * bytes (vpnd/netchild/netchild.c). */
static int rig_ss(void *arg, unsigned key, const uint8_t pub[KEY_LEN], uint8_t ss[32])
{
	struct rig *r = arg;
	struct rig_device *d = &r->devs[pub[0] % DEVICES];

	if (key == 0 && d->ss_cached && sodium_memcmp(d->pub, pub, KEY_LEN) == 0) {
		memcpy(ss, d->ss, 32);
		return 0;
	}
	return crypto_scalarmult(ss, r->act_sk, pub) == 0 ? 0 : -EINVAL;
}

/* vpnd's ACTIVATE, without the registry's storage and the interface. */
static int rig_op(void *arg, const struct proto_opened *o, const struct sockaddr *src,
		  struct proto_reply *rep)
{
	struct assertion_policy pol = {.rp_id = RP, .require_uv = true};
	struct rig *r = arg;
	struct rig_device *d;
	uint8_t cdh[32];
	uint32_t count;

	if (o->req.op != PROTO_OP_ACTIVATE || o->req.assertion.cred_id[0] >= DEVICES) {
		rep->status = PROTO_ERR_NOT_ENROLLED;
		return 0;
	}
	d = &r->devs[o->req.assertion.cred_id[0]];
	pol.stored_count = d->stored;
	proto_client_data_hash(cdh, "activate", actserver_public_key(r->srv), &o->req.target,
			       &o->challenge, NULL);
	rep->status = assertion_check(d->verifier, &pol, cdh, &o->req.assertion, &count);
	if (rep->status != PROTO_OK)
		return 0;
	d->stored = count;
	rep->fields = PROTO_REP_PSK | PROTO_REP_SECONDS_LEFT | PROTO_REP_STATE;
	key_generate_preshared(rep->psk);
	rep->seconds_left = 36000;
	rep->state = 1;
	r->activations_ok++;
	return 0;
}

/* One device per slot of the ss cache, as vpnd's would hold them. */
static int rig_enroll(struct rig *r)
{
	struct rig_device d;
	int ret;

	for (int i = 0; i < DEVICES; i++) {
		for (;;) {
			ret = device_init(&d);
			if (ret < 0) {
				device_finish(&d);
				return ret;
			}
			if (r->devs[d.pub[0] % DEVICES].ec == NULL)
				break;
			device_finish(&d);
		}
		d.cred_id = (uint8_t)(d.pub[0] % DEVICES);
		r->devs[d.cred_id] = d;
	}
	sodium_memzero(&d, sizeof(d));
	for (int i = 0; i < DEVICES; i++) {
		if (crypto_scalarmult(r->devs[i].ss, r->act_sk, r->devs[i].pub) != 0)
			return -EINVAL;
		r->devs[i].ss_cached = true;
	}
	return 0;
}

int rig_create(struct rig **out)
{
	/* The whole machine's work is measured: no global limit in the way
	 * (vpnd's is a setting, ActivationRate). */
	struct actserver_config cfg = {
		.op = rig_op, .ss = rig_ss, .global_burst = 1U << 30, .global_per_sec = 1U << 30};
	struct actserver_keys keys = {0};
	struct rig *r;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	key_generate_private(r->act_sk);
	memcpy(keys.act_sk, r->act_sk, KEY_LEN);
	cfg.arg = r;
	ret = actserver_create(&r->srv, &keys, &cfg);
	sodium_memzero(&keys, sizeof(keys));
	if (ret == 0)
		ret = rig_enroll(r);
	if (ret < 0) {
		rig_destroy(&r);
		return ret;
	}
	*out = r;
	return 0;
}

void rig_destroy(struct rig **r)
{
	if (*r == NULL)
		return;
	actserver_destroy(&(*r)->srv);
	for (int i = 0; i < DEVICES; i++)
		device_finish(&(*r)->devs[i]);
	sodium_memzero(*r, sizeof(**r));
	free(*r);
	*r = NULL;
}

/* SPDX-License-Identifier: ISC */
/*
 * CTAP2 commands: authenticatorGetInfo, authenticatorMakeCredential and
 * authenticatorGetAssertion with non-resident credentials, and the hand-off
 * to clientPIN. Replies are a status byte, then canonical CBOR.
 */
#include <string.h>

#include <sodium.h>

#include "cbor_req.h"
#include "cbor_write.h"
#include "base/log.h"
#include "skcrypto.h"
#include "softkey.h"

#define CTAP2_MAKE_CREDENTIAL 0x01
#define CTAP2_GET_ASSERTION   0x02
#define CTAP2_GET_INFO        0x04
#define CTAP2_CLIENT_PIN      0x06

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40

/* Fixed: every softkey is the same model. */
static const uint8_t aaguid[16] = "keygate-softkey!";

static size_t status_only(struct softkey *sk, uint8_t st)
{
	sk->resp[0] = st;
	return 1;
}

static size_t finish(struct softkey *sk, const struct cbw *w)
{
	if (!cbw_ok(w))
		return status_only(sk, CTAP2_ERR_REQUEST_TOO_LARGE);
	sk->resp[0] = CTAP2_OK;
	return 1 + w->len;
}

static int alg_bit(int alg)
{
	return alg == COSE_ALG_ES256 ? SK_ALG_ES256 : alg == COSE_ALG_EDDSA ? SK_ALG_EDDSA : 0;
}

static size_t get_info(struct softkey *sk)
{
	struct cbw w;
	size_t nalg = 0, nproto = 0;

	cbw_init(&w, sk->resp + 1, sizeof(sk->resp) - 1);
	nalg = !!(sk->cfg.algs & SK_ALG_ES256) + !!(sk->cfg.algs & SK_ALG_EDDSA);
	nproto = !!(sk->cfg.pin_protocols & 4) + !!(sk->cfg.pin_protocols & 2);
	cbw_map(&w, 9);
	cbw_int(&w, 1);
	cbw_array(&w, 3);
	cbw_text(&w, "U2F_V2");
	cbw_text(&w, "FIDO_2_0");
	cbw_text(&w, "FIDO_2_1");
	cbw_int(&w, 3);
	cbw_bytes(&w, aaguid, sizeof(aaguid));
	/* No "uv": softkey has no built-in user verification, only the PIN. */
	cbw_int(&w, 4);
	cbw_map(&w, 4);
	cbw_text(&w, "rk");
	cbw_bool(&w, false);
	cbw_text(&w, "up");
	cbw_bool(&w, true);
	cbw_text(&w, "clientPin");
	cbw_bool(&w, sk->st.pin_set);
	cbw_text(&w, "pinUvAuthToken");
	cbw_bool(&w, true);
	cbw_int(&w, 5);
	cbw_int(&w, 1200);
	cbw_int(&w, 6);
	cbw_array(&w, nproto);
	if (sk->cfg.pin_protocols & 4)
		cbw_int(&w, 2);
	if (sk->cfg.pin_protocols & 2)
		cbw_int(&w, 1);
	cbw_int(&w, 7);
	cbw_int(&w, SK_LIST_MAX);
	cbw_int(&w, 8);
	cbw_int(&w, SK_CREDID_MAX);
	cbw_int(&w, 9);
	cbw_array(&w, 1);
	cbw_text(&w, "usb");
	cbw_int(&w, 10);
	cbw_array(&w, nalg);
	for (int i = 0; i < 2; i++) {
		int alg = i == 0 ? COSE_ALG_ES256 : COSE_ALG_EDDSA;

		if (!(sk->cfg.algs & alg_bit(alg)))
			continue;
		cbw_map(&w, 2);
		cbw_text(&w, "alg");
		cbw_int(&w, alg);
		cbw_text(&w, "type");
		cbw_text(&w, "public-key");
	}
	return finish(sk, &w);
}

/* pinUvAuthParam handling shared by makeCredential and getAssertion. */
static uint8_t pin_auth(struct softkey *sk, bool has, const uint8_t *param, size_t len,
			int protocol, const uint8_t *cdh, const char *rp_id, uint8_t perm, bool *uv)
{
	uint8_t st;

	*uv = false;
	if (!has)
		return sk->st.pin_set && perm == SK_PERM_MC ? CTAP2_ERR_PIN_REQUIRED : CTAP2_OK;
	if (len == 0) {
		/* A zero-length param asks "touch me to select this key". */
		if ((st = softkey_touch(sk)) != CTAP2_OK)
			return st;
		return sk->st.pin_set ? CTAP2_ERR_PIN_INVALID : CTAP2_ERR_PIN_NOT_SET;
	}
	if (protocol == 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	if ((protocol != 1 && protocol != 2) || !(sk->cfg.pin_protocols & (1u << protocol)))
		return CTAP1_ERR_INVALID_PARAMETER;
	if (!sk->st.pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	if ((st = clientpin_check_auth(sk, protocol, cdh, param, len, rp_id, perm)) != CTAP2_OK)
		return st;
	*uv = true;
	return CTAP2_OK;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Counts one signature; the new value is on disk before anyone sees it. */
static uint8_t counter_next(struct softkey *sk, uint32_t *out)
{
	sk->st.counter++;
	if (softkey_save(sk) < 0)
		return CTAP1_ERR_OTHER;
	*out = sk->st.counter;
	return CTAP2_OK;
}

static void cose_key(struct cbw *w, int alg, const uint8_t *pub)
{
	if (alg == COSE_ALG_ES256) {
		cbw_map(w, 5);
		cbw_int(w, 1);
		cbw_int(w, 2); /* EC2 */
		cbw_int(w, 3);
		cbw_int(w, COSE_ALG_ES256);
		cbw_int(w, -1);
		cbw_int(w, 1); /* P-256 */
		cbw_int(w, -2);
		cbw_bytes(w, pub + 1, 32);
		cbw_int(w, -3);
		cbw_bytes(w, pub + 33, 32);
	} else {
		cbw_map(w, 4);
		cbw_int(w, 1);
		cbw_int(w, 1); /* OKP */
		cbw_int(w, 3);
		cbw_int(w, COSE_ALG_EDDSA);
		cbw_int(w, -1);
		cbw_int(w, 6); /* Ed25519 */
		cbw_int(w, -2);
		cbw_bytes(w, pub, 32);
	}
}

static bool cred_known(const struct softkey *sk, const uint8_t rp_hash[32],
		       const struct sk_credid *id, int *alg, uint8_t priv[SKC_PRIV_LEN])
{
	return skc_unwrap(sk->st.secret, rp_hash, id->id, id->len, alg, priv) == 0;
}

static size_t make_credential(struct softkey *sk, const uint8_t *buf, size_t len)
{
	struct sk_mc_req req;
	uint8_t rp_hash[32], priv[SKC_PRIV_LEN], pub[SKC_PUB_MAX], credid[SKC_CREDID_LEN];
	uint8_t ad[37 + 16 + 2 + SKC_CREDID_LEN + 80], sig[SKC_SIG_MAX], tbs[sizeof(ad) + 32];
	size_t pub_len, sig_len, ad_len;
	struct cbw w;
	uint32_t counter;
	int alg = 0, xalg;
	bool uv;
	uint8_t st;

	if ((st = cbor_req_make_credential(buf, len, &req)) != CTAP2_OK)
		return status_only(sk, st);
	if (req.opt.rk == 1 || req.opt.uv == 1)
		return status_only(sk, CTAP2_ERR_UNSUPPORTED_OPTION);
	if (req.opt.up == 0)
		return status_only(sk, CTAP2_ERR_INVALID_OPTION);
	if ((st = pin_auth(sk, req.has_pin_auth, req.pin_auth, req.pin_auth_len, req.pin_protocol,
			   req.cdh, req.rp_id, SK_PERM_MC, &uv)) != CTAP2_OK)
		return status_only(sk, st);
	for (size_t i = 0; i < req.n_algs && alg == 0; i++)
		if (sk->cfg.algs & alg_bit(req.algs[i]))
			alg = req.algs[i];
	if (alg == 0)
		return status_only(sk, CTAP2_ERR_UNSUPPORTED_ALGORITHM);

	skc_sha256(req.rp_id, strlen(req.rp_id), rp_hash);
	for (size_t i = 0; i < req.n_excl; i++) {
		if (!cred_known(sk, rp_hash, &req.excl[i], &xalg, priv))
			continue;
		sodium_memzero(priv, sizeof(priv));
		if ((st = softkey_touch(sk)) != CTAP2_OK)
			return status_only(sk, st);
		return status_only(sk, CTAP2_ERR_CREDENTIAL_EXCLUDED);
	}
	if ((st = softkey_touch(sk)) != CTAP2_OK)
		return status_only(sk, st);
	if (skc_keygen(alg, priv, pub, &pub_len) < 0 ||
	    skc_wrap(sk->st.secret, alg, rp_hash, priv, credid) < 0) {
		st = CTAP1_ERR_OTHER;
		goto fail;
	}
	if ((st = counter_next(sk, &counter)) != CTAP2_OK)
		goto fail;

	memcpy(ad, rp_hash, 32);
	ad[32] = FLAG_UP | FLAG_AT | (uv ? FLAG_UV : 0);
	put_be32(ad + 33, counter);
	memcpy(ad + 37, aaguid, 16);
	ad[53] = 0;
	ad[54] = SKC_CREDID_LEN;
	memcpy(ad + 55, credid, SKC_CREDID_LEN);
	cbw_init(&w, ad + 55 + SKC_CREDID_LEN, sizeof(ad) - 55 - SKC_CREDID_LEN);
	cose_key(&w, alg, pub);
	ad_len = 55 + SKC_CREDID_LEN + w.len;
	memcpy(tbs, ad, ad_len);
	memcpy(tbs + ad_len, req.cdh, 32);
	/* Self attestation: the new credential signs its own birth. */
	if (!cbw_ok(&w) || skc_sign(alg, priv, tbs, ad_len + 32, sig, &sig_len) < 0) {
		st = CTAP1_ERR_OTHER;
		goto fail;
	}
	cbw_init(&w, sk->resp + 1, sizeof(sk->resp) - 1);
	cbw_map(&w, 3);
	cbw_int(&w, 1);
	cbw_text(&w, "packed");
	cbw_int(&w, 2);
	cbw_bytes(&w, ad, ad_len);
	cbw_int(&w, 3);
	cbw_map(&w, 2);
	cbw_text(&w, "alg");
	cbw_int(&w, alg);
	cbw_text(&w, "sig");
	cbw_bytes(&w, sig, sig_len);
	sodium_memzero(priv, sizeof(priv));
	return finish(sk, &w);
fail:
	sodium_memzero(priv, sizeof(priv));
	return status_only(sk, st);
}

static size_t get_assertion(struct softkey *sk, const uint8_t *buf, size_t len)
{
	struct sk_ga_req req;
	uint8_t rp_hash[32], priv[SKC_PRIV_LEN], tbs[37 + 32], sig[SKC_SIG_MAX];
	const struct sk_credid *cred = NULL;
	size_t sig_len;
	uint32_t counter;
	struct cbw w;
	int alg = 0;
	bool uv, up;
	uint8_t st;

	if ((st = cbor_req_get_assertion(buf, len, &req)) != CTAP2_OK)
		return status_only(sk, st);
	if (req.opt.uv == 1)
		return status_only(sk, CTAP2_ERR_UNSUPPORTED_OPTION);
	up = req.opt.up != 0;
	if ((st = pin_auth(sk, req.has_pin_auth, req.pin_auth, req.pin_auth_len, req.pin_protocol,
			   req.cdh, req.rp_id, SK_PERM_GA, &uv)) != CTAP2_OK)
		return status_only(sk, st);
	skc_sha256(req.rp_id, strlen(req.rp_id), rp_hash);
	for (size_t i = 0; i < req.n_allow && cred == NULL; i++)
		if (cred_known(sk, rp_hash, &req.allow[i], &alg, priv))
			cred = &req.allow[i];
	/* No resident credentials: without a known ID there is nothing to use. */
	if (cred == NULL)
		return status_only(sk, CTAP2_ERR_NO_CREDENTIALS);
	if (up && (st = softkey_touch(sk)) != CTAP2_OK)
		goto fail;
	if ((st = counter_next(sk, &counter)) != CTAP2_OK)
		goto fail;
	memcpy(tbs, rp_hash, 32);
	tbs[32] = (up ? FLAG_UP : 0) | (uv ? FLAG_UV : 0);
	put_be32(tbs + 33, counter);
	memcpy(tbs + 37, req.cdh, 32);
	if (skc_sign(alg, priv, tbs, sizeof(tbs), sig, &sig_len) < 0) {
		st = CTAP1_ERR_OTHER;
		goto fail;
	}
	sodium_memzero(priv, sizeof(priv));
	cbw_init(&w, sk->resp + 1, sizeof(sk->resp) - 1);
	cbw_map(&w, 3);
	cbw_int(&w, 1);
	cbw_map(&w, 2);
	cbw_text(&w, "id");
	cbw_bytes(&w, cred->id, cred->len);
	cbw_text(&w, "type");
	cbw_text(&w, "public-key");
	cbw_int(&w, 2);
	cbw_bytes(&w, tbs, 37);
	cbw_int(&w, 3);
	cbw_bytes(&w, sig, sig_len);
	return finish(sk, &w);
fail:
	sodium_memzero(priv, sizeof(priv));
	return status_only(sk, st);
}

size_t ctap2_handle(struct softkey *sk, const uint8_t *req, size_t len)
{
	size_t n;
	uint8_t st;

	if (len < 1)
		return status_only(sk, CTAP1_ERR_INVALID_LENGTH);
	switch (req[0]) {
	case CTAP2_GET_INFO:
		if (len != 1)
			return status_only(sk, CTAP1_ERR_INVALID_LENGTH);
		return get_info(sk);
	case CTAP2_MAKE_CREDENTIAL:
		return make_credential(sk, req + 1, len - 1);
	case CTAP2_GET_ASSERTION:
		return get_assertion(sk, req + 1, len - 1);
	case CTAP2_CLIENT_PIN:
		st = clientpin_handle(sk, req + 1, len - 1, &n);
		if (st != CTAP2_OK)
			return status_only(sk, st);
		sk->resp[0] = CTAP2_OK;
		return 1 + n;
	default:
		log_debug("unsupported CTAP2 command 0x%02x", req[0]);
		return status_only(sk, CTAP1_ERR_INVALID_COMMAND);
	}
}

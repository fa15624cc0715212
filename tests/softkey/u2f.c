/* SPDX-License-Identifier: ISC */
/*
 * U2F (CTAP1) over CTAPHID MSG: register, authenticate and version APDUs.
 * A U2F key does not wait for a touch: it answers "conditions not
 * satisfied" and the client asks again, which libfido2 does.
 */
#include <string.h>

#include <sodium.h>

#include "skcrypto.h"
#include "softkey.h"

#define U2F_REGISTER     0x01
#define U2F_AUTHENTICATE 0x02
#define U2F_VERSION      0x03

#define U2F_AUTH_ENFORCE      0x03
#define U2F_AUTH_CHECK_ONLY   0x07
#define U2F_AUTH_DONT_ENFORCE 0x08

#define SW_NO_ERROR                 0x9000
#define SW_CONDITIONS_NOT_SATISFIED 0x6985
#define SW_WRONG_DATA               0x6a80
#define SW_WRONG_LENGTH             0x6700
#define SW_CLA_NOT_SUPPORTED        0x6e00
#define SW_INS_NOT_SUPPORTED        0x6d00

static size_t sw(uint8_t *out, size_t off, unsigned status)
{
	out[off] = (uint8_t)(status >> 8);
	out[off + 1] = (uint8_t)status;
	return off + 2;
}

static size_t u2f_register(struct softkey *sk, const uint8_t *data, size_t len)
{
	const uint8_t *chal = data, *app = data + 32;
	uint8_t priv[SKC_PRIV_LEN], att[SKC_PRIV_LEN], pub[SKC_PUB_MAX], kh[SKC_CREDID_LEN];
	uint8_t tbs[1 + 32 + 32 + SKC_CREDID_LEN + 65], sig[SKC_SIG_MAX];
	uint8_t *out = sk->resp;
	size_t pub_len, sig_len, off = 0;
	unsigned status = SW_WRONG_DATA;

	if (len != 64)
		return sw(out, 0, SW_WRONG_LENGTH);
	if (!sk->cfg.presence)
		return sw(out, 0, SW_CONDITIONS_NOT_SATISFIED);
	if (skc_keygen(COSE_ALG_ES256, priv, pub, &pub_len) < 0 ||
	    skc_wrap(sk->st.secret, COSE_ALG_ES256, app, priv, kh) < 0 ||
	    skc_derive_es256(sk->st.secret, "keygate softkey attestation v1", att) < 0)
		goto fail;
	tbs[0] = 0x00;
	memcpy(tbs + 1, app, 32);
	memcpy(tbs + 33, chal, 32);
	memcpy(tbs + 65, kh, sizeof(kh));
	memcpy(tbs + 65 + sizeof(kh), pub, 65);
	if (skc_sign(COSE_ALG_ES256, att, tbs, sizeof(tbs), sig, &sig_len) < 0)
		goto fail;
	out[off++] = 0x05;
	memcpy(out + off, pub, 65);
	off += 65;
	out[off++] = sizeof(kh);
	memcpy(out + off, kh, sizeof(kh));
	off += sizeof(kh);
	memcpy(out + off, sk->u2f_cert, sk->u2f_cert_len);
	off += sk->u2f_cert_len;
	memcpy(out + off, sig, sig_len);
	off += sig_len;
	status = SW_NO_ERROR;
fail:
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(att, sizeof(att));
	return sw(out, status == SW_NO_ERROR ? off : 0, status);
}

static size_t u2f_authenticate(struct softkey *sk, uint8_t p1, const uint8_t *data, size_t len)
{
	const uint8_t *chal = data, *app = data + 32, *kh = data + 65;
	uint8_t priv[SKC_PRIV_LEN], tbs[32 + 1 + 4 + 32], sig[SKC_SIG_MAX];
	uint8_t *out = sk->resp;
	size_t sig_len;
	int alg;
	unsigned status = SW_WRONG_DATA;

	if (len < 65 || len != 65 + (size_t)data[64])
		return sw(out, 0, SW_WRONG_LENGTH);
	if (p1 != U2F_AUTH_ENFORCE && p1 != U2F_AUTH_CHECK_ONLY && p1 != U2F_AUTH_DONT_ENFORCE)
		return sw(out, 0, SW_WRONG_DATA);
	/* Only ES256 exists in U2F. */
	if (skc_unwrap(sk->st.secret, app, kh, data[64], &alg, priv) < 0)
		return sw(out, 0, SW_WRONG_DATA);
	if (alg != COSE_ALG_ES256)
		goto fail;
	if (p1 == U2F_AUTH_CHECK_ONLY || (p1 == U2F_AUTH_ENFORCE && !sk->cfg.presence)) {
		status = SW_CONDITIONS_NOT_SATISFIED;
		goto fail;
	}
	sk->st.counter++;
	if (softkey_save(sk) < 0) {
		status = SW_CONDITIONS_NOT_SATISFIED;
		goto fail;
	}
	memcpy(tbs, app, 32);
	tbs[32] = p1 == U2F_AUTH_ENFORCE ? 0x01 : 0x00;
	tbs[33] = (uint8_t)(sk->st.counter >> 24);
	tbs[34] = (uint8_t)(sk->st.counter >> 16);
	tbs[35] = (uint8_t)(sk->st.counter >> 8);
	tbs[36] = (uint8_t)sk->st.counter;
	memcpy(tbs + 37, chal, 32);
	if (skc_sign(COSE_ALG_ES256, priv, tbs, sizeof(tbs), sig, &sig_len) < 0)
		goto fail;
	memcpy(out, tbs + 32, 5);
	memcpy(out + 5, sig, sig_len);
	sodium_memzero(priv, sizeof(priv));
	return sw(out, 5 + sig_len, SW_NO_ERROR);
fail:
	sodium_memzero(priv, sizeof(priv));
	return sw(out, 0, status);
}

size_t u2f_handle(struct softkey *sk, const uint8_t *apdu, size_t len)
{
	const uint8_t *data;
	size_t lc = 0, rest;

	if (len < 4)
		return sw(sk->resp, 0, SW_WRONG_LENGTH);
	data = apdu + 4;
	rest = len - 4;
	/* Extended length (what libfido2 sends: 00, Lc in two bytes, data,
	 * Le in two bytes) or short length. */
	if (rest >= 3 && apdu[4] == 0) {
		lc = (size_t)apdu[5] << 8 | apdu[6];
		data = apdu + 7;
		rest -= 3;
		if (lc > rest || rest - lc > 2)
			return sw(sk->resp, 0, SW_WRONG_LENGTH);
	} else if (rest >= 1) {
		lc = apdu[4];
		data = apdu + 5;
		rest -= 1;
		if (lc > rest || rest - lc > 1)
			return sw(sk->resp, 0, SW_WRONG_LENGTH);
	}
	if (apdu[0] != 0)
		return sw(sk->resp, 0, SW_CLA_NOT_SUPPORTED);
	switch (apdu[1]) {
	case U2F_REGISTER:
		return u2f_register(sk, data, lc);
	case U2F_AUTHENTICATE:
		return u2f_authenticate(sk, apdu[2], data, lc);
	case U2F_VERSION:
		if (lc != 0)
			return sw(sk->resp, 0, SW_WRONG_LENGTH);
		memcpy(sk->resp, "U2F_V2", 6);
		return sw(sk->resp, 6, SW_NO_ERROR);
	default:
		return sw(sk->resp, 0, SW_INS_NOT_SUPPORTED);
	}
}

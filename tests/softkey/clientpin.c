/* SPDX-License-Identifier: ISC */
/*
 * authenticatorClientPIN, PIN/UV auth protocols 1 and 2 (CTAP 2.1 section
 * 6.5): getRetries, getKeyAgreement, setPIN, changePIN, getPinToken and
 * getPinUvAuthTokenUsingPinWithPermissions, with the retry counter, the
 * lockout at zero and the power cycle after three wrong PINs in a row.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cbor_req.h"
#include "cbor_write.h"
#include "skcrypto.h"
#include "softkey.h"

#define CP_GET_RETRIES       1
#define CP_GET_KEY_AGREEMENT 2
#define CP_SET_PIN           3
#define CP_CHANGE_PIN        4
#define CP_GET_PIN_TOKEN     5
#define CP_GET_TOKEN_PERMS   9

#define PADDED_PIN_LEN 64

struct shared {
	uint8_t hmac_key[32];
	uint8_t aes_key[32];
};

static void hkdf32(const uint8_t z[32], const char *info, uint8_t out[32])
{
	static const uint8_t salt[32];
	uint8_t prk[32], msg[32];
	size_t n = strlen(info);

	skc_hmac(salt, sizeof(salt), z, 32, prk);
	memcpy(msg, info, n);
	msg[n] = 0x01;
	skc_hmac(prk, sizeof(prk), msg, n + 1, out);
	sodium_memzero(prk, sizeof(prk));
}

static uint8_t shared_secret(struct softkey *sk, const struct sk_cp_req *req, struct shared *s)
{
	uint8_t z[32];

	if (skc_ecdh_z(sk->ka, req->key_x, req->key_y, z) < 0)
		return CTAP1_ERR_INVALID_PARAMETER;
	if (req->protocol == 1) {
		skc_sha256(z, sizeof(z), s->hmac_key);
		memcpy(s->aes_key, s->hmac_key, 32);
	} else {
		hkdf32(z, "CTAP2 HMAC key", s->hmac_key);
		hkdf32(z, "CTAP2 AES key", s->aes_key);
	}
	sodium_memzero(z, sizeof(z));
	return CTAP2_OK;
}

/* Protocol 1 uses a zero IV; protocol 2 sends a random IV first. */
static uint8_t decrypt(int protocol, const struct shared *s, const uint8_t *in, size_t len,
		       uint8_t *out, size_t *out_len)
{
	static const uint8_t zero_iv[16];
	const uint8_t *iv = zero_iv;

	if (protocol == 2) {
		if (len < 16)
			return CTAP1_ERR_INVALID_PARAMETER;
		iv = in;
		in += 16;
		len -= 16;
	}
	if (len == 0 || len % 16 != 0 || skc_aes256_cbc(false, s->aes_key, iv, in, len, out) < 0)
		return CTAP1_ERR_INVALID_PARAMETER;
	*out_len = len;
	return CTAP2_OK;
}

static size_t encrypt(int protocol, const struct shared *s, const uint8_t *in, size_t len,
		      uint8_t *out)
{
	uint8_t iv[16] = {0};
	size_t off = 0;

	if (protocol == 2) {
		randombytes_buf(iv, sizeof(iv));
		memcpy(out, iv, sizeof(iv));
		off = sizeof(iv);
	}
	if (skc_aes256_cbc(true, s->aes_key, iv, in, len, out + off) < 0)
		return 0;
	return off + len;
}

static bool verify(int protocol, const uint8_t *key, const uint8_t *msg, size_t len,
		   const uint8_t *param, size_t param_len)
{
	uint8_t mac[32];
	size_t want = protocol == 1 ? 16 : 32;
	bool ok;

	skc_hmac(key, 32, msg, len, mac);
	ok = param_len == want && sodium_memcmp(mac, param, want) == 0;
	sodium_memzero(mac, sizeof(mac));
	return ok;
}

uint8_t clientpin_check_auth(struct softkey *sk, int protocol, const uint8_t *cdh,
			     const uint8_t *param, size_t param_len, const char *rp_id,
			     uint8_t perm)
{
	if (!sk->token_valid || !verify(protocol, sk->token, cdh, 32, param, param_len))
		return CTAP2_ERR_PIN_AUTH_INVALID;
	if (!(sk->token_perms & perm))
		return CTAP2_ERR_PIN_AUTH_INVALID;
	if (sk->token_has_rp && strcmp(sk->token_rp, rp_id) != 0)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	if (!sk->token_has_rp) {
		/* A token without an rpId binds to the first one it is used for. */
		snprintf(sk->token_rp, sizeof(sk->token_rp), "%s", rp_id);
		sk->token_has_rp = true;
	}
	return CTAP2_OK;
}

static uint8_t get_key_agreement(struct softkey *sk, struct cbw *w)
{
	uint8_t x[32], y[32];

	if (skc_ecdh_public(sk->ka, x, y) < 0)
		return CTAP1_ERR_OTHER;
	cbw_map(w, 1);
	cbw_int(w, 1);
	cbw_map(w, 5);
	cbw_int(w, 1);
	cbw_int(w, 2);
	cbw_int(w, 3);
	cbw_int(w, -25); /* ECDH-ES + HKDF-256, whatever the protocol */
	cbw_int(w, -1);
	cbw_int(w, 1);
	cbw_int(w, -2);
	cbw_bytes(w, x, 32);
	cbw_int(w, -3);
	cbw_bytes(w, y, 32);
	return CTAP2_OK;
}

/* Compares pinHashEnc with the stored hash. Every try costs a retry until
 * it succeeds; a wrong PIN also changes the key agreement key. */
static uint8_t check_pin_hash(struct softkey *sk, const struct sk_cp_req *req,
			      const struct shared *s)
{
	uint8_t hash[sizeof(req->pin_hash_enc)];
	size_t len;
	bool ok;

	if (sk->st.pin_retries == 0)
		return CTAP2_ERR_PIN_BLOCKED;
	if (sk->pin_fails >= SK_PIN_FAILS_PER_BOOT)
		return CTAP2_ERR_PIN_AUTH_BLOCKED;
	sk->st.pin_retries--;
	if (softkey_save(sk) < 0)
		return CTAP1_ERR_OTHER;
	if (decrypt(req->protocol, s, req->pin_hash_enc, req->pin_hash_len, hash, &len) !=
		    CTAP2_OK ||
	    len != 16)
		return CTAP1_ERR_INVALID_PARAMETER;
	ok = sodium_memcmp(hash, sk->st.pin_hash, SK_PIN_HASH_LEN) == 0;
	sodium_memzero(hash, sizeof(hash));
	if (!ok) {
		if (softkey_new_key_agreement(sk) < 0)
			return CTAP1_ERR_OTHER;
		sk->pin_fails++;
		if (sk->st.pin_retries == 0)
			return CTAP2_ERR_PIN_BLOCKED;
		if (sk->pin_fails >= SK_PIN_FAILS_PER_BOOT)
			return CTAP2_ERR_PIN_AUTH_BLOCKED;
		return CTAP2_ERR_PIN_INVALID;
	}
	sk->st.pin_retries = SK_PIN_RETRIES;
	sk->pin_fails = 0;
	return softkey_save(sk) < 0 ? CTAP1_ERR_OTHER : CTAP2_OK;
}

/* newPinEnc holds the PIN padded with zeros to 64 bytes. */
static uint8_t store_new_pin(struct softkey *sk, const struct sk_cp_req *req,
			     const struct shared *s)
{
	uint8_t pin[sizeof(req->new_pin_enc)], hash[32];
	size_t len, n;
	uint8_t st;

	if ((st = decrypt(req->protocol, s, req->new_pin_enc, req->new_pin_len, pin, &len)) !=
	    CTAP2_OK)
		return st;
	if (len != PADDED_PIN_LEN) {
		st = CTAP1_ERR_INVALID_PARAMETER;
		goto fail;
	}
	n = strnlen((const char *)pin, PADDED_PIN_LEN);
	if (n < 4 || n == PADDED_PIN_LEN) {
		st = CTAP2_ERR_PIN_POLICY_VIOLATION;
		goto fail;
	}
	skc_sha256(pin, n, hash);
	memcpy(sk->st.pin_hash, hash, SK_PIN_HASH_LEN);
	sk->st.pin_set = true;
	sk->st.pin_retries = SK_PIN_RETRIES;
	sk->token_valid = false;
	st = softkey_save(sk) < 0 ? CTAP1_ERR_OTHER : CTAP2_OK;
fail:
	sodium_memzero(pin, sizeof(pin));
	sodium_memzero(hash, sizeof(hash));
	return st;
}

static uint8_t set_pin(struct softkey *sk, const struct sk_cp_req *req, const struct shared *s)
{
	if (req->new_pin_len == 0 || !req->has_pin_auth)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (sk->st.pin_set)
		return CTAP2_ERR_NOT_ALLOWED;
	if (!verify(req->protocol, s->hmac_key, req->new_pin_enc, req->new_pin_len, req->pin_auth,
		    req->pin_auth_len))
		return CTAP2_ERR_PIN_AUTH_INVALID;
	return store_new_pin(sk, req, s);
}

static uint8_t change_pin(struct softkey *sk, const struct sk_cp_req *req, const struct shared *s)
{
	uint8_t msg[sizeof(req->new_pin_enc) + sizeof(req->pin_hash_enc)];
	uint8_t st;

	if (req->new_pin_len == 0 || req->pin_hash_len == 0 || !req->has_pin_auth)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!sk->st.pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	memcpy(msg, req->new_pin_enc, req->new_pin_len);
	memcpy(msg + req->new_pin_len, req->pin_hash_enc, req->pin_hash_len);
	if (!verify(req->protocol, s->hmac_key, msg, req->new_pin_len + req->pin_hash_len,
		    req->pin_auth, req->pin_auth_len))
		return CTAP2_ERR_PIN_AUTH_INVALID;
	if ((st = check_pin_hash(sk, req, s)) != CTAP2_OK)
		return st;
	return store_new_pin(sk, req, s);
}

static uint8_t get_token(struct softkey *sk, const struct sk_cp_req *req, const struct shared *s,
			 struct cbw *w)
{
	uint8_t enc[16 + SK_TOKEN_LEN];
	size_t n;
	uint8_t st;

	if (req->pin_hash_len == 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (req->subcommand == CP_GET_TOKEN_PERMS) {
		if (req->permissions == 0)
			return CTAP2_ERR_MISSING_PARAMETER;
		/* Only makeCredential and getAssertion exist here. */
		if (req->permissions & ~(unsigned)(SK_PERM_MC | SK_PERM_GA))
			return CTAP2_ERR_UNAUTHORIZED_PERMISSION;
	} else if (req->permissions != 0 || req->has_rp) {
		return CTAP1_ERR_INVALID_PARAMETER;
	}
	if (!sk->st.pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	if ((st = check_pin_hash(sk, req, s)) != CTAP2_OK)
		return st;
	/* A new token each time; the old one stops working. */
	randombytes_buf(sk->token, sizeof(sk->token));
	sk->token_valid = true;
	sk->token_perms = req->subcommand == CP_GET_TOKEN_PERMS ? (uint8_t)req->permissions
								: SK_PERM_MC | SK_PERM_GA;
	sk->token_has_rp = req->has_rp;
	if (req->has_rp)
		memcpy(sk->token_rp, req->rp_id, sizeof(sk->token_rp));
	if ((n = encrypt(req->protocol, s, sk->token, sizeof(sk->token), enc)) == 0)
		return CTAP1_ERR_OTHER;
	cbw_map(w, 1);
	cbw_int(w, 2);
	cbw_bytes(w, enc, n);
	return CTAP2_OK;
}

uint8_t clientpin_handle(struct softkey *sk, const uint8_t *cbor, size_t len, size_t *out_len)
{
	struct sk_cp_req req;
	struct shared s;
	struct cbw w;
	uint8_t st;

	*out_len = 0;
	if ((st = cbor_req_client_pin(cbor, len, &req)) != CTAP2_OK)
		return st;
	cbw_init(&w, sk->resp + 1, sizeof(sk->resp) - 1);
	if (req.subcommand == CP_GET_RETRIES) {
		cbw_map(&w, 1);
		cbw_int(&w, 3);
		cbw_int(&w, sk->st.pin_retries);
		*out_len = w.len;
		return CTAP2_OK;
	}
	if (req.protocol == 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	if ((req.protocol != 1 && req.protocol != 2) ||
	    !(sk->cfg.pin_protocols & (1u << req.protocol)))
		return CTAP1_ERR_INVALID_PARAMETER;
	if (req.subcommand == CP_GET_KEY_AGREEMENT) {
		st = get_key_agreement(sk, &w);
		*out_len = w.len;
		return st;
	}
	if (req.subcommand != CP_SET_PIN && req.subcommand != CP_CHANGE_PIN &&
	    req.subcommand != CP_GET_PIN_TOKEN && req.subcommand != CP_GET_TOKEN_PERMS)
		return CTAP1_ERR_INVALID_PARAMETER;
	if (!req.has_key)
		return CTAP2_ERR_MISSING_PARAMETER;
	if ((st = shared_secret(sk, &req, &s)) != CTAP2_OK)
		return st;
	switch (req.subcommand) {
	case CP_SET_PIN:
		st = set_pin(sk, &req, &s);
		break;
	case CP_CHANGE_PIN:
		st = change_pin(sk, &req, &s);
		break;
	default:
		st = get_token(sk, &req, &s, &w);
		break;
	}
	sodium_memzero(&s, sizeof(s));
	if (!cbw_ok(&w))
		return CTAP1_ERR_OTHER;
	*out_len = w.len;
	return st;
}

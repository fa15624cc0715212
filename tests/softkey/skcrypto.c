/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "skcrypto.h"
#include "softkey.h"

#define WRAP_VERSION 1
#define WRAP_ES256   1
#define WRAP_EDDSA   2

void skc_sha256(const void *p, size_t len, uint8_t out[32])
{
	crypto_hash_sha256(out, p, len);
}

void skc_hmac(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len, uint8_t out[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

int skc_pubkey(int cose_alg, const uint8_t priv[SKC_PRIV_LEN], uint8_t *pub, size_t *pub_len)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];

	switch (cose_alg) {
	case COSE_ALG_ES256:
		*pub_len = 65;
		return skc_es256_public(priv, pub);
	case COSE_ALG_EDDSA:
		crypto_sign_seed_keypair(pub, sk, priv);
		sodium_memzero(sk, sizeof(sk));
		*pub_len = crypto_sign_PUBLICKEYBYTES;
		return 0;
	default:
		return -EINVAL;
	}
}

int skc_keygen(int cose_alg, uint8_t priv[SKC_PRIV_LEN], uint8_t *pub, size_t *pub_len)
{
	/* A random ES256 scalar is out of range with probability 2^-32. */
	for (int tries = 0; tries < 8; tries++) {
		randombytes_buf(priv, SKC_PRIV_LEN);
		if (skc_pubkey(cose_alg, priv, pub, pub_len) == 0)
			return 0;
	}
	sodium_memzero(priv, SKC_PRIV_LEN);
	return -EINVAL;
}

int skc_sign(int cose_alg, const uint8_t priv[SKC_PRIV_LEN], const uint8_t *msg, size_t len,
	     uint8_t sig[SKC_SIG_MAX], size_t *sig_len)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned long long n;

	switch (cose_alg) {
	case COSE_ALG_ES256:
		return skc_es256_sign(priv, msg, len, sig, sig_len);
	case COSE_ALG_EDDSA:
		crypto_sign_seed_keypair(pk, sk, priv);
		crypto_sign_detached(sig, &n, msg, len, sk);
		sodium_memzero(sk, sizeof(sk));
		*sig_len = (size_t)n;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Separate keys for wrapping and attestation, both from the one secret. */
static void wrap_key(const uint8_t *secret, const char *label, uint8_t key[32])
{
	crypto_generichash(key, 32, (const uint8_t *)label, strlen(label), secret, SK_SECRET_LEN);
}

static void wrap_ad(const uint8_t rp_hash[32], const uint8_t hdr[2], uint8_t ad[34])
{
	memcpy(ad, rp_hash, 32);
	memcpy(ad + 32, hdr, 2);
}

int skc_wrap(const uint8_t *secret, int cose_alg, const uint8_t rp_hash[32],
	     const uint8_t priv[SKC_PRIV_LEN], uint8_t id[SKC_CREDID_LEN])
{
	uint8_t key[32], ad[34];
	uint8_t *nonce = id + 2;

	id[0] = WRAP_VERSION;
	id[1] = cose_alg == COSE_ALG_ES256 ? WRAP_ES256 : WRAP_EDDSA;
	randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	wrap_key(secret, "keygate softkey credential wrap v1", key);
	wrap_ad(rp_hash, id, ad);
	crypto_aead_xchacha20poly1305_ietf_encrypt(id + 26, NULL, priv, SKC_PRIV_LEN, ad,
						   sizeof(ad), NULL, nonce, key);
	sodium_memzero(key, sizeof(key));
	return 0;
}

int skc_unwrap(const uint8_t *secret, const uint8_t rp_hash[32], const uint8_t *id, size_t len,
	       int *cose_alg, uint8_t priv[SKC_PRIV_LEN])
{
	uint8_t key[32], ad[34];
	int r;

	if (len != SKC_CREDID_LEN || id[0] != WRAP_VERSION ||
	    (id[1] != WRAP_ES256 && id[1] != WRAP_EDDSA))
		return -ENOENT;
	wrap_key(secret, "keygate softkey credential wrap v1", key);
	wrap_ad(rp_hash, id, ad);
	r = crypto_aead_xchacha20poly1305_ietf_decrypt(
		priv, NULL, NULL, id + 26, SKC_CREDID_LEN - 26, ad, sizeof(ad), id + 2, key);
	sodium_memzero(key, sizeof(key));
	if (r != 0) {
		sodium_memzero(priv, SKC_PRIV_LEN);
		return -ENOENT;
	}
	*cose_alg = id[1] == WRAP_ES256 ? COSE_ALG_ES256 : COSE_ALG_EDDSA;
	return 0;
}

int skc_derive_es256(const uint8_t *secret, const char *label, uint8_t priv[SKC_PRIV_LEN])
{
	uint8_t pub[65];

	wrap_key(secret, label, priv);
	return skc_es256_public(priv, pub);
}

int skc_aes256_cbc(bool enc, const uint8_t key[32], const uint8_t iv[16], const uint8_t *in,
		   size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int n, r = -EINVAL;

	if (len % 16 != 0 || len > INT32_MAX || (ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc ? 1 : 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len)
		goto fail;
	r = 0;
fail:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

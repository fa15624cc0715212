/* SPDX-License-Identifier: ISC */
/*
 * The cryptography softkey needs: ES256 (OpenSSL) and EdDSA (libsodium)
 * keys and signatures, credential IDs that wrap the private key under the
 * device secret, the P-256 key agreement and AES-CBC of clientPIN, and a
 * self-signed certificate for U2F registration.
 */
#ifndef SOFTKEY_SKCRYPTO_H
#define SOFTKEY_SKCRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SKC_PRIV_LEN 32
#define SKC_SIG_MAX  72
/* version, algorithm, nonce, sealed private key and its tag */
#define SKC_CREDID_LEN (2 + 24 + 32 + 16)
#define SKC_PUB_MAX    65

void skc_sha256(const void *p, size_t len, uint8_t out[32]);
void skc_hmac(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len, uint8_t out[32]);

/* ES256 public keys are 65 bytes (0x04 x y), EdDSA keys 32. */
int skc_keygen(int cose_alg, uint8_t priv[SKC_PRIV_LEN], uint8_t *pub, size_t *pub_len);
int skc_pubkey(int cose_alg, const uint8_t priv[SKC_PRIV_LEN], uint8_t *pub, size_t *pub_len);
/* ES256 signatures are DER (at most 72 bytes), EdDSA ones 64 bytes. */
int skc_sign(int cose_alg, const uint8_t priv[SKC_PRIV_LEN], const uint8_t *msg, size_t len,
	     uint8_t sig[SKC_SIG_MAX], size_t *sig_len);

/* The rpIdHash is associated data: an ID made for one rp (or on another
 * softkey) does not open. */
int skc_wrap(const uint8_t *secret, int cose_alg, const uint8_t rp_hash[32],
	     const uint8_t priv[SKC_PRIV_LEN], uint8_t id[SKC_CREDID_LEN]);
int skc_unwrap(const uint8_t *secret, const uint8_t rp_hash[32], const uint8_t *id, size_t len,
	       int *cose_alg, uint8_t priv[SKC_PRIV_LEN]);
/* A private key made from the device secret and a label, for attestation. */
int skc_derive_es256(const uint8_t *secret, const char *label, uint8_t priv[SKC_PRIV_LEN]);

/* enc true encrypts; len is a multiple of 16; no padding. */
int skc_aes256_cbc(bool enc, const uint8_t key[32], const uint8_t iv[16], const uint8_t *in,
		   size_t len, uint8_t *out);

struct skc_ecdh;
int skc_ecdh_create(struct skc_ecdh **k);
void skc_ecdh_destroy(struct skc_ecdh **k);
int skc_ecdh_public(const struct skc_ecdh *k, uint8_t x[32], uint8_t y[32]);
/* The raw shared x-coordinate Z with the platform's key (x, y). */
int skc_ecdh_z(const struct skc_ecdh *k, const uint8_t x[32], const uint8_t y[32], uint8_t z[32]);

/* P-256 internals (ec.c). */
int skc_es256_public(const uint8_t priv[SKC_PRIV_LEN], uint8_t pub[65]);
int skc_es256_sign(const uint8_t priv[SKC_PRIV_LEN], const uint8_t *msg, size_t len,
		   uint8_t sig[SKC_SIG_MAX], size_t *sig_len);

/* A DER X.509 certificate (malloc'ed) for the ES256 key priv, signed by itself. */
int skc_self_cert(const uint8_t priv[SKC_PRIV_LEN], uint8_t **der, size_t *len);

#endif

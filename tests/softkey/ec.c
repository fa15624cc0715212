/* SPDX-License-Identifier: ISC */
/*
 * P-256 with OpenSSL 3: ES256 keys and signatures, the clientPIN key
 * agreement, and the self-signed U2F attestation certificate.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "skcrypto.h"

struct skc_ecdh {
	EVP_PKEY *pkey;
};

/* A 65-byte public key (and a private scalar when priv != NULL) as an EVP_PKEY. */
static EVP_PKEY *p256_pkey(const uint8_t *priv, const uint8_t pub[65])
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = NULL;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65))
		goto fail;
	if (priv != NULL && ((bn = BN_bin2bn(priv, SKC_PRIV_LEN, NULL)) == NULL ||
			     !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn)))
		goto fail;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, priv != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
			      params) <= 0)
		pkey = NULL;
fail:
	BN_clear_free(bn);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

int skc_es256_public(const uint8_t priv[SKC_PRIV_LEN], uint8_t pub[65])
{
	EC_GROUP *group = NULL;
	EC_POINT *point = NULL;
	BIGNUM *bn = NULL;
	BN_CTX *ctx = NULL;
	int r = -EINVAL;

	if ((group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (point = EC_POINT_new(group)) == NULL || (ctx = BN_CTX_new()) == NULL ||
	    (bn = BN_bin2bn(priv, SKC_PRIV_LEN, NULL)) == NULL)
		goto fail;
	/* The scalar must lie in [1, n - 1]. */
	if (BN_is_zero(bn) || BN_cmp(bn, EC_GROUP_get0_order(group)) >= 0)
		goto fail;
	if (!EC_POINT_mul(group, point, bn, NULL, NULL, ctx) ||
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, 65, ctx) != 65)
		goto fail;
	r = 0;
fail:
	BN_clear_free(bn);
	BN_CTX_free(ctx);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	return r;
}

int skc_es256_sign(const uint8_t priv[SKC_PRIV_LEN], const uint8_t *msg, size_t len,
		   uint8_t sig[SKC_SIG_MAX], size_t *sig_len)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t pub[65];
	int r = -EINVAL;

	*sig_len = SKC_SIG_MAX;
	if (skc_es256_public(priv, pub) < 0 || (pkey = p256_pkey(priv, pub)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) <= 0 ||
	    EVP_DigestSign(md, sig, sig_len, msg, len) <= 0)
		goto fail;
	r = 0;
fail:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return r;
}

int skc_ecdh_create(struct skc_ecdh **k)
{
	struct skc_ecdh *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -ENOMEM;
	if ((e->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		free(e);
		return -EINVAL;
	}
	*k = e;
	return 0;
}

void skc_ecdh_destroy(struct skc_ecdh **k)
{
	if (k == NULL || *k == NULL)
		return;
	EVP_PKEY_free((*k)->pkey);
	free(*k);
	*k = NULL;
}

int skc_ecdh_public(const struct skc_ecdh *k, uint8_t x[32], uint8_t y[32])
{
	uint8_t pub[65];
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(k->pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub),
					    &len) != 1 ||
	    len != 65 || pub[0] != 0x04)
		return -EINVAL;
	memcpy(x, pub + 1, 32);
	memcpy(y, pub + 33, 32);
	return 0;
}

int skc_ecdh_z(const struct skc_ecdh *k, const uint8_t x[32], const uint8_t y[32], uint8_t z[32])
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	uint8_t pub[65];
	size_t len = 32;
	int r = -EINVAL;

	pub[0] = 0x04;
	memcpy(pub + 1, x, 32);
	memcpy(pub + 33, y, 32);
	/* Importing checks that the point lies on the curve. */
	if ((peer = p256_pkey(NULL, pub)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(k->pkey, NULL)) == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) <= 0 || EVP_PKEY_derive(ctx, z, &len) <= 0 ||
	    len != 32)
		goto fail;
	r = 0;
fail:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return r;
}

int skc_self_cert(const uint8_t priv[SKC_PRIV_LEN], uint8_t **der, size_t *len)
{
	EVP_PKEY *pkey = NULL;
	X509_NAME *name;
	X509 *x = NULL;
	uint8_t pub[65];
	uint8_t *out = NULL;
	int n, r = -EINVAL;

	if (skc_es256_public(priv, pub) < 0 || (pkey = p256_pkey(priv, pub)) == NULL ||
	    (x = X509_new()) == NULL)
		goto fail;
	if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 60L * 60 * 24 * 3650) == NULL ||
	    !X509_set_pubkey(x, pkey) || (name = X509_get_subject_name(x)) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"keygate softkey (tests only)", -1,
					-1, 0) ||
	    !X509_set_issuer_name(x, name) || X509_sign(x, pkey, EVP_sha256()) == 0)
		goto fail;
	if ((n = i2d_X509(x, &out)) <= 0)
		goto fail;
	if ((*der = malloc((size_t)n)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	memcpy(*der, out, (size_t)n);
	*len = (size_t)n;
	r = 0;
fail:
	OPENSSL_free(out);
	X509_free(x);
	EVP_PKEY_free(pkey);
	return r;
}

/* SPDX-License-Identifier: ISC */
/*
 * assertion_verify with signatures made here the way an authenticator
 * makes them (OpenSSL ECDSA P-256, libsodium Ed25519, over authData ||
 * clientDataHash); the netns tests run the same path with softkey.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "monitor/assertion.h"

struct signer {
	struct assertion_key key;
	EVP_PKEY *ec;
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
};

static void signer_init(struct signer *s, int alg)
{
	memset(s, 0, sizeof(*s));
	s->key.alg = alg;
	if (alg == PROTO_COSE_ES256) {
		uint8_t pub[65];
		size_t n = 0;

		s->ec = EVP_EC_gen("P-256");
		assert_non_null(s->ec);
		assert_int_equal(EVP_PKEY_get_octet_string_param(s->ec,
								 OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
								 pub, sizeof(pub), &n),
				 1);
		assert_int_equal(n, 65);
		memcpy(s->key.pk, pub + 1, 64);
		s->key.pk_len = 64;
	} else {
		crypto_sign_keypair(s->key.pk, s->ed_sk);
		s->key.pk_len = 32;
	}
}

static void signer_finish(struct signer *s)
{
	EVP_PKEY_free(s->ec);
}

/* authData = SHA-256(rp) || flags || count, then the signature. */
static void sign(struct signer *s, struct proto_assertion *a, const char *rp, uint8_t flags,
		 uint32_t count, const uint8_t cdh[32])
{
	uint8_t msg[37 + 32];

	memset(a, 0, sizeof(*a));
	crypto_hash_sha256(a->auth_data, (const uint8_t *)rp, strlen(rp));
	a->auth_data[32] = flags;
	a->auth_data[33] = (uint8_t)(count >> 24);
	a->auth_data[34] = (uint8_t)(count >> 16);
	a->auth_data[35] = (uint8_t)(count >> 8);
	a->auth_data[36] = (uint8_t)count;
	a->auth_data_len = 37;
	memcpy(msg, a->auth_data, 37);
	memcpy(msg + 37, cdh, 32);
	if (s->key.alg == PROTO_COSE_ES256) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t n = sizeof(a->sig);

		assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->ec), 1);
		assert_int_equal(EVP_DigestSign(ctx, a->sig, &n, msg, sizeof(msg)), 1);
		a->sig_len = n;
		EVP_MD_CTX_free(ctx);
	} else {
		crypto_sign_detached(a->sig, NULL, msg, sizeof(msg), s->ed_sk);
		a->sig_len = 64;
	}
}

/* Both paths, which must agree; the verdict. */
static enum proto_err both(const struct assertion_key *k, const struct assertion_policy *pol,
			   const uint8_t cdh[32], const struct proto_assertion *a, uint32_t *count)
{
	struct assertion_verifier *v = NULL;
	uint32_t c1 = 0xdead, c2 = 0xbeef;
	enum proto_err e1, e2;

	e1 = assertion_verify(k, pol, cdh, a, &c1);
	if (assertion_verifier_create(&v, k) < 0) {
		assert_int_equal(e1, PROTO_ERR_BAD_SIGNATURE);
		return e1;
	}
	e2 = assertion_check(v, pol, cdh, a, &c2);
	assertion_verifier_destroy(&v);
	assert_null(v);
	assert_int_equal(e1, e2);
	if (e1 == PROTO_OK) {
		assert_int_equal(c1, c2);
		*count = c1;
	}
	return e1;
}

static void check_alg(int alg)
{
	struct signer s, other;
	struct proto_assertion a;
	struct assertion_policy pol = {.rp_id = "keygate", .require_uv = true, .stored_count = 5};
	uint8_t cdh[32], cdh2[32];
	uint32_t count = 0;

	signer_init(&s, alg);
	signer_init(&other, alg);
	randombytes_buf(cdh, 32);
	memcpy(cdh2, cdh, 32);
	cdh2[0] ^= 1;

	sign(&s, &a, "keygate", 0x05, 6, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_OK);
	assert_int_equal(count, 6);
	/* Another challenge, gateway or peer (all in the cdh), rp or key. */
	assert_int_equal(both(&s.key, &pol, cdh2, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	pol.rp_id = "other";
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	pol.rp_id = "keygate";
	assert_int_equal(both(&other.key, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	/* Flags changed after signing. */
	a.auth_data[32] = 0x01;
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	a.auth_data[32] = 0x05;
	a.sig[a.sig_len - 1] ^= 1;
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);

	/* No touch; no PIN where the policy wants one; and where it does not. */
	sign(&s, &a, "keygate", 0x04, 7, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_NO_PRESENCE);
	sign(&s, &a, "keygate", 0x01, 7, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_UV_REQUIRED);
	pol.require_uv = false;
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_OK);

	/* The counter: equal or lower is a regression, zero twice is none. */
	sign(&s, &a, "keygate", 0x05, 5, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_COUNTER_REGRESSED);
	sign(&s, &a, "keygate", 0x05, 0, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_COUNTER_REGRESSED);
	pol.stored_count = 0;
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_OK);
	assert_int_equal(count, 0);

	/* Extensions we did not ask for. */
	sign(&s, &a, "keygate", 0x85, 9, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	signer_finish(&s);
	signer_finish(&other);
}

static void test_es256(void **state)
{
	check_alg(PROTO_COSE_ES256);
}

static void test_eddsa(void **state)
{
	check_alg(PROTO_COSE_EDDSA);
}

/* ECDSA's other valid signature (r, n - s): libfido2 takes it, so must we. */
static void high_s(struct proto_assertion *a)
{
	const uint8_t *p = a->sig;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)a->sig_len);
	BIGNUM *n = NULL, *s2 = BN_new();
	const BIGNUM *r0, *s0;
	uint8_t *out = a->sig;
	int len;

	assert_non_null(sig);
	assert_non_null(s2);
	assert_true(
		BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551") >
		0);
	ECDSA_SIG_get0(sig, &r0, &s0);
	assert_int_equal(BN_sub(s2, n, s0), 1);
	assert_int_equal(ECDSA_SIG_set0(sig, BN_dup(r0), s2), 1);
	assert_true(i2d_ECDSA_SIG(sig, NULL) <= PROTO_SIG_MAX);
	len = i2d_ECDSA_SIG(sig, &out);
	assert_true(len > 0);
	a->sig_len = (size_t)len;
	ECDSA_SIG_free(sig);
	BN_free(n);
}

/*
 * The equivalence that lets vpnd skip fido_assert_verify: every way a valid
 * assertion can be bent gets the same verdict from both paths (both() fails
 * the test otherwise). Both end in OpenSSL's ECDSA and Ed25519 verify, so
 * this mostly guards what differs: the rpIdHash, the message layout, the
 * key import, the shape checks in front.
 */
static void differential(int alg)
{
	struct assertion_policy pol = {.rp_id = "keygate", .require_uv = false};
	struct proto_assertion a, m;
	struct signer s;
	uint8_t cdh[32], c2[32];
	uint32_t count = 0;

	signer_init(&s, alg);
	randombytes_buf(cdh, sizeof(cdh));
	sign(&s, &a, "keygate", 0x05, 1, cdh);
	assert_int_equal(both(&s.key, &pol, cdh, &a, &count), PROTO_OK);
	/* Every single bit of the authenticator data, signature and cdh. */
	for (size_t i = 0; i < 8 * (37 + a.sig_len + 32); i++) {
		size_t byte = i / 8;

		m = a;
		memcpy(c2, cdh, 32);
		if (byte < 37)
			m.auth_data[byte] ^= (uint8_t)(1U << (i % 8));
		else if (byte < 37 + a.sig_len)
			m.sig[byte - 37] ^= (uint8_t)(1U << (i % 8));
		else
			c2[byte - 37 - a.sig_len] ^= (uint8_t)(1U << (i % 8));
		assert_int_not_equal(both(&s.key, &pol, c2, &m, &count), PROTO_OK);
	}
	/* Truncated, and with a byte after the signature (not DER any more). */
	for (m = a, m.sig_len = PROTO_SIG_MIN; m.sig_len < a.sig_len; m.sig_len++)
		assert_int_not_equal(both(&s.key, &pol, cdh, &m, &count), PROTO_OK);
	m = a;
	m.sig[m.sig_len++] = 0;
	assert_int_not_equal(both(&s.key, &pol, cdh, &m, &count), PROTO_OK);
	/* Longer authenticator data, as with extensions but without ED. */
	m = a;
	m.auth_data_len = 38;
	assert_int_equal(both(&s.key, &pol, cdh, &m, &count), PROTO_ERR_BAD_SIGNATURE);
	if (alg == PROTO_COSE_ES256) {
		m = a;
		high_s(&m);
		assert_int_equal(both(&s.key, &pol, cdh, &m, &count), PROTO_OK);
	}
	signer_finish(&s);
}

static void test_differential(void **state)
{
	differential(PROTO_COSE_ES256);
	differential(PROTO_COSE_EDDSA);
}

static void test_bad_keys(void **state)
{
	struct assertion_key k = {.alg = PROTO_COSE_ES256, .pk_len = 64};
	struct assertion_policy pol = {.rp_id = "keygate"};
	struct proto_assertion a = {.auth_data_len = 37, .sig_len = 64};
	uint8_t cdh[32] = {0};
	uint32_t count;

	a.auth_data[32] = 0x05;
	memset(k.pk, 0x01, 64); /* not on the curve */
	assert_int_equal(both(&k, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	k.alg = -257;
	assert_int_equal(both(&k, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
	k.alg = PROTO_COSE_EDDSA; /* with a 64-byte key */
	assert_int_equal(both(&k, &pol, cdh, &a, &count), PROTO_ERR_BAD_SIGNATURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256),
		cmocka_unit_test(test_eddsa),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_bad_keys),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

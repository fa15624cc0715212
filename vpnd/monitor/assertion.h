/* SPDX-License-Identifier: ISC */
/*
 * The gateway's check of a FIDO2/U2F assertion (docs/protocol.md 6.2):
 * signature with libfido2, rp ID, user presence, user verification when
 * the policy asks for it, and a sign counter that must grow.
 */
#ifndef KEYGATE_ASSERTION_H
#define KEYGATE_ASSERTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* A stored credential's public key. */
struct assertion_key {
	int alg;        /* PROTO_COSE_ES256 or PROTO_COSE_EDDSA */
	uint8_t pk[64]; /* ES256 x||y, EdDSA 32 bytes */
	size_t pk_len;
};

struct assertion_policy {
	const char *rp_id;
	bool require_uv;
	uint32_t stored_count; /* the last count seen for this credential */
};

/*
 * PROTO_OK and *new_count to store; or BAD_SIGNATURE (also for
 * authenticator data that is not the 37 bytes of an assertion without
 * extensions, or a key libfido2 refuses), NO_PRESENCE, UV_REQUIRED,
 * COUNTER_REGRESSED. The flags are only looked at once the signature that
 * covers them has verified.
 */
enum proto_err assertion_verify(const struct assertion_key *key,
				const struct assertion_policy *policy, const uint8_t cdh[32],
				const struct proto_assertion *a, uint32_t *new_count);

/*
 * The same check with the key imported once. libfido2's fido_assert_verify
 * imports the raw key into OpenSSL on every call, which costs about as much
 * as the signature check itself (35 of 80 us here); vpnd verifies every
 * activation with a verifier made, with libfido2's own import
 * (es256_pk_to_EVP_PKEY, eddsa_pk_to_EVP_PKEY), when the credential is
 * loaded. tests/unit/test_assertion.c holds both paths to the same verdicts.
 */
struct assertion_verifier;
/* -EINVAL for a key libfido2 refuses (not on the curve, wrong size). */
int assertion_verifier_create(struct assertion_verifier **v, const struct assertion_key *key);
void assertion_verifier_destroy(struct assertion_verifier **v);
enum proto_err assertion_check(const struct assertion_verifier *v,
			       const struct assertion_policy *policy, const uint8_t cdh[32],
			       const struct proto_assertion *a, uint32_t *new_count);

/* The authenticator data's sign counter; 0 for data shorter than 37 bytes. */
uint32_t assertion_sign_count(const uint8_t *auth_data, size_t len);

#endif

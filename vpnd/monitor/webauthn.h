/* SPDX-License-Identifier: ISC */
/*
 * WebAuthn's parts that the monitor checks for the web page (docs/web.md),
 * with no daemon state, so that the fuzz targets and unit tests reach
 * them: the stateless challenges, clientDataJSON (parsed with json-c, then
 * type, challenge, origin and crossOrigin), and a registration's
 * attestationObject (libcbor for its map, libfido2 for the authenticator
 * data, the COSE key and the packed or U2F attestation signature).
 * Assertions are verified by assertion.c, as on the UDP port.
 */
#ifndef VPND_WEBAUTHN_H
#define VPND_WEBAUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

#define WEBAUTHN_CHALLENGE_LEN  32
#define WEBAUTHN_CHALLENGE_LIFE 120 /* seconds */
#define WEBAUTHN_SECRET_LEN     32

enum webauthn_purpose {
	WEBAUTHN_ACTIVATE = 1, /* target: the owner's name */
	WEBAUTHN_REGISTER = 2, /* target: the enrollment code */
	WEBAUTHN_GRANT = 3,    /* after a verified assertion: the owner's name */
};

/* A challenge (or grant) bound to purpose, target, origin and now (boot
 * seconds): version, purpose, time, 8 random bytes and a keyed BLAKE2b
 * tag of the rest. No state. Bytes 10-25 name it in the spent table. */
void webauthn_challenge_make(const uint8_t secret[WEBAUTHN_SECRET_LEN],
			     uint8_t out[WEBAUTHN_CHALLENGE_LEN], enum webauthn_purpose purpose,
			     const char *target, const char *origin, uint64_t now);
/* PROTO_OK, CHALLENGE_BAD (another purpose, target, origin or secret),
 * CHALLENGE_EXPIRED (older than life seconds) or CLOCK_SKEW. *made gets
 * its time, the key a spent challenge is remembered by. */
enum proto_err webauthn_challenge_check(const uint8_t secret[WEBAUTHN_SECRET_LEN],
					const uint8_t ch[WEBAUTHN_CHALLENGE_LEN],
					enum webauthn_purpose purpose, const char *target,
					const char *origin, uint64_t now, uint64_t life,
					uint64_t *made);

/* clientDataJSON: a JSON object whose type is type ("webauthn.get" or
 * "webauthn.create"), whose origin is origin, whose crossOrigin is absent
 * or false and which has no topOrigin; its challenge, base64url, is
 * decoded into ch. PROTO_OK; BAD_REQUEST for what is not such an object;
 * WRONG_TARGET for another origin or a cross-origin call. */
enum proto_err webauthn_client_data(const uint8_t *json, size_t len, const char *type,
				    const char *origin, uint8_t ch[WEBAUTHN_CHALLENGE_LEN]);

/* What a registration brings. */
struct webauthn_cred {
	int alg;        /* PROTO_COSE_ES256 or PROTO_COSE_EDDSA */
	uint8_t pk[64]; /* ES256 x||y, EdDSA 32 bytes */
	size_t pk_len;
	uint8_t id[PROTO_CRED_ID_MAX];
	size_t id_len;
	uint32_t sign_count;
	bool uv;
	char fmt[16]; /* "none", "packed" or "fido-u2f" */
};

/* An attestationObject: fmt none, packed (with or without x5c) or
 * fido-u2f; the rp ID hash, user presence, an ES256 or EdDSA key; with
 * cdh = SHA-256(clientDataJSON). PROTO_OK, BAD_REQUEST (not such an
 * object), WRONG_TARGET (another rp ID) or BAD_SIGNATURE. */
enum proto_err webauthn_attestation(const uint8_t *obj, size_t len, const char *rp_id,
				    const uint8_t cdh[32], struct webauthn_cred *out);

#endif

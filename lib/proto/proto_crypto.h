/* SPDX-License-Identifier: ISC */
/*
 * What proto_crypto.c lends the rest of lib/proto (the client's side,
 * version 1): the KDF, the header, the schedule. Internal; the API is in
 * proto.h.
 */
#ifndef KEYGATE_PROTO_CRYPTO_H
#define KEYGATE_PROTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_layout.h"

#define PROTO_AEAD_TAG crypto_aead_chacha20poly1305_ietf_ABYTES

/* Every key encrypts once: the nonce is always zero. */
extern const uint8_t proto_zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

/* (ck', k) = BLAKE2b-512(key = ck, label || in[0] || ... || in[n-1]), each
 * input 32 bytes; ck_out may be NULL. */
void proto_kdf(uint8_t ck_out[32], uint8_t k_out[32], const uint8_t ck[32], const char *label,
	       const uint8_t *const in[], size_t n);
/* HASH(name): the chaining key a version's schedule starts from. */
void proto_chaining_key0(uint8_t c0[32], const char *name);
/* type, version, and mac0's place zeroed. */
void proto_header(uint8_t *pkt, uint8_t type, uint8_t version);

/* Version 2's schedule (docs/protocol.md 5), the same on both sides:
 * (ck1, k1) from the slot key's DH, then (ck2, k2) from the device's
 * static DH (S and ss zeros without a device), then the reply key from
 * the request's id (proto_request_id of pkt, which it also writes). */
void proto_schedule_x(uint8_t ck1[32], uint8_t k1[32], const uint8_t gw_pub[KEY_LEN],
		      const uint8_t slot_pub[KEY_LEN], const uint8_t eph_pub[KEY_LEN],
		      const uint8_t dhx[32]);
void proto_schedule_s(uint8_t ck2[32], uint8_t k2[32], const uint8_t ck1[32],
		      const uint8_t static_pub[KEY_LEN], const uint8_t ss[32]);
void proto_reply_key(uint8_t kr[32], uint8_t id[32], const uint8_t ck2[32], const uint8_t *pkt);

#endif

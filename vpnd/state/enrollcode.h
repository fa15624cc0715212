/* SPDX-License-Identifier: ISC */
/*
 * One-time enrollment codes: made by `vpnd peer add`, carried in the
 * enrollment URI, redeemed once by `enroll register`. Only their BLAKE2b
 * hash is stored, so reading the state directory does not give a code.
 */
#ifndef KEYGATE_ENROLLCODE_H
#define KEYGATE_ENROLLCODE_H

#include <stdint.h>

#define ENROLLCODE_BYTES    24 /* 192 bits of entropy */
#define ENROLLCODE_STR_LEN  32 /* base64url, no padding */
#define ENROLLCODE_HASH_LEN 32
#define ENROLLCODE_TTL      (24 * 3600)
#define ENROLLCODE_URI_LEN  512

/* A fresh code as text, and its hash. */
void enrollcode_generate(char code[ENROLLCODE_STR_LEN + 1], uint8_t hash[ENROLLCODE_HASH_LEN]);
/* The hash of a code as a client presents it; -EINVAL unless it has the
 * shape of a code. */
int enrollcode_hash(uint8_t hash[ENROLLCODE_HASH_LEN], const char *code);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * Curve25519 keys as WireGuard uses them: 32 bytes, written as 44 characters
 * of standard base64 (what `wg genkey` and `wg pubkey` print) or, on the UAPI,
 * as 64 lowercase hex digits.
 */
#ifndef KEYGATE_KEYS_H
#define KEYGATE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/text.h"

#define KEY_LEN     32
#define KEY_B64_LEN 44 /* without the NUL */
#define KEY_HEX_LEN 64 /* without the NUL */

typedef char key_b64_t[KEY_B64_LEN + 1];
typedef char key_hex_t[KEY_HEX_LEN + 1];

/* Calls sodium_init(); 0, or -EIO when libsodium cannot start. Every
 * program calls it first. */
int key_init(void);

/* A clamped private key, as `wg genkey` makes. */
void key_generate_private(uint8_t sk[KEY_LEN]);
/* 32 random bytes, for pre-shared keys. */
void key_generate_preshared(uint8_t psk[KEY_LEN]);
/* The public key of a private key; 0, or -EINVAL for a low-order result. */
int key_public(uint8_t pk[KEY_LEN], const uint8_t sk[KEY_LEN]);

void key_to_base64(key_b64_t out, const uint8_t key[KEY_LEN]);
/* 0, or -EINVAL unless s is exactly 44 characters of base64 for 32 bytes. */
int key_from_base64(uint8_t key[KEY_LEN], const char *s);
void key_to_hex(key_hex_t out, const uint8_t key[KEY_LEN]);
/* 0, or -EINVAL unless s is exactly 64 hex digits. */
int key_from_hex(uint8_t key[KEY_LEN], const char *s);

bool key_is_zero(const uint8_t key[KEY_LEN]);
/* Constant time. */
bool key_equal(const uint8_t a[KEY_LEN], const uint8_t b[KEY_LEN]);

/*
 * Key files hold one base64 key and a newline. Reading warns (on stderr)
 * when the file is readable by group or others. Errors are -errno (-EINVAL
 * for a file that is not one key) with err naming the path.
 */
int key_file_read(uint8_t key[KEY_LEN], const char *path, char err[ERR_LEN]);
/* Written with mode 0600 through a temporary file and rename. */
int key_file_write(const char *path, const uint8_t key[KEY_LEN], char err[ERR_LEN]);

#endif

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "state/enrollcode.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

void enrollcode_generate(char code[ENROLLCODE_STR_LEN + 1], uint8_t hash[ENROLLCODE_HASH_LEN])
{
	uint8_t raw[ENROLLCODE_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(code, ENROLLCODE_STR_LEN + 1, raw, sizeof(raw), B64URL);
	sodium_memzero(raw, sizeof(raw));
	enrollcode_hash(hash, code);
}

int enrollcode_hash(uint8_t hash[ENROLLCODE_HASH_LEN], const char *code)
{
	static const char domain[] = "keygate enrollment code v1";
	crypto_generichash_state st;

	if (strlen(code) != ENROLLCODE_STR_LEN)
		return -EINVAL;
	for (const char *p = code; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return -EINVAL;
	crypto_generichash_init(&st, NULL, 0, ENROLLCODE_HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)domain, sizeof(domain));
	crypto_generichash_update(&st, (const unsigned char *)code, ENROLLCODE_STR_LEN);
	crypto_generichash_final(&st, hash, ENROLLCODE_HASH_LEN);
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* The monitor's WebAuthn parsers (vpnd/monitor/webauthn.c), on what a
 * browser, or anyone posting to the page, sends: the first byte picks
 * clientDataJSON (0) or an attestationObject (1), the rest is the input.
 * Every input ends in a verdict, and a refusal leaves nothing behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "monitor/webauthn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cdh[32];
	static bool init;
	struct webauthn_cred c;
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN];

	if (!init) {
		fido_init(0);
		init = true;
	}
	if (size < 1)
		return 0;
	if (data[0] == 0) {
		if (webauthn_client_data(data + 1, size - 1, "webauthn.get",
					 "https://gw.example.test:8443", ch) != PROTO_OK) {
			for (size_t i = 0; i < sizeof(ch); i++)
				if (ch[i] != 0)
					abort();
		}
	} else if (webauthn_attestation(data + 1, size - 1, "gw.example.test", cdh, &c) ==
		   PROTO_OK) {
		if ((c.pk_len != 64 && c.pk_len != 32) || c.id_len == 0)
			abort();
	} else if (c.pk_len != 0 || c.id_len != 0) {
		abort();
	}
	return 0;
}

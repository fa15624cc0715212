/* SPDX-License-Identifier: ISC */
/*
 * softkey's CBOR request decoders, then the whole CTAP2 command on the
 * same bytes (the first byte is the command), as a host could send them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cbor_req.h"
#include "skcrypto.h"
#include "softkey.h"

static struct softkey sk;
static struct sk_state fresh;

static int drop_reply(void *ctx, const uint8_t *report)
{
	(void)ctx;
	(void)report;
	return 0;
}

static void device_reset(void)
{
	static bool ready;

	if (!ready) {
		uint8_t hash[32];
		struct sk_config cfg = {
			.algs = SK_ALG_ES256 | SK_ALG_EDDSA,
			.pin_protocols = 2 | 4,
			.presence = true,
		};

		if (sodium_init() < 0)
			abort();
		memset(&fresh, 0x42, sizeof(fresh));
		skc_sha256("1234", 4, hash);
		memcpy(fresh.pin_hash, hash, SK_PIN_HASH_LEN);
		fresh.pin_set = true;
		fresh.pin_retries = SK_PIN_RETRIES;
		fresh.counter = 0;
		if (softkey_init(&sk, &cfg, &fresh) < 0)
			abort();
		sk.send = drop_reply;
		ready = true;
	}
	sk.st = fresh;
	sk.pin_fails = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_mc_req mc;
	struct sk_ga_req ga;
	struct sk_cp_req cp;
	size_t n;

	if (size < 1 || size > CTAPHID_MAX_MSG)
		return 0;
	cbor_req_make_credential(data + 1, size - 1, &mc);
	cbor_req_get_assertion(data + 1, size - 1, &ga);
	cbor_req_client_pin(data + 1, size - 1, &cp);
	device_reset();
	n = ctap2_handle(&sk, data, size);
	if (n < 1 || n > sizeof(sk.resp))
		abort();
	return 0;
}

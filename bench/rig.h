/* SPDX-License-Identifier: ISC */
/*
 * The activation benchmark's gateway and its security keys: an actserver
 * whose operation checks assertions as vpnd's ACTIVATE does (without the
 * registry's storage and the interface), and DEVICES keys enrolled with
 * it, each with the shared secret vpnd would keep for it. Both parts of
 * the benchmark (bench_activation.c, bench_flood.c) drive the same rig.
 */
#ifndef KEYGATE_BENCH_RIG_H
#define KEYGATE_BENCH_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "monitor/assertion.h"
#include "netchild/actserver.h"

#define DEVICES 64
#define RP      "keygate"

struct rig_device {
	uint8_t sk[KEY_LEN], pub[KEY_LEN], ss[32];
	bool ss_cached;
	EVP_PKEY *ec;
	struct assertion_key key;
	struct assertion_verifier *verifier; /* what vpnd keeps per credential */
	uint8_t cred_id;                     /* its index in rig.devs */
	uint32_t count;                      /* authenticator side */
	uint32_t stored;                     /* gateway side */
};

struct rig {
	struct actserver *srv;
	/* devs[i].pub[0] % DEVICES == i: one per slot of the ss cache. */
	struct rig_device devs[DEVICES];
	uint8_t act_sk[KEY_LEN];
	uint64_t activations_ok; /* ACTIVATEs the operation granted */
};

/* 0 or -errno. */
int rig_create(struct rig **out);
void rig_destroy(struct rig **r);
/* What a security key does: authData || cdh, signed. */
void rig_device_sign(struct rig_device *d, const uint8_t cdh[32], struct proto_assertion *a);

#endif

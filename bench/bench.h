/* SPDX-License-Identifier: ISC */
/* What the two halves of the activation benchmark share. */
#ifndef KEYGATE_BENCH_H
#define KEYGATE_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "netchild/actserver.h"
#include "monitor/assertion.h"

#define DEVICES 64
#define RP      "keygate"

struct device {
	uint8_t sk[KEY_LEN], pub[KEY_LEN], ss[32];
	bool ss_cached;
	EVP_PKEY *ec;
	struct assertion_key key;
	struct assertion_verifier *verifier; /* what vpnd keeps per credential */
	uint32_t count;                      /* authenticator side */
	uint32_t stored;                     /* gateway side */
};

extern struct device devs[DEVICES];
extern struct actserver *srv;

double now_s(void);
/* CPU time of the calling thread: what one core spends, whatever else runs. */
double cpu_s(void);
uint64_t boot_ms(void);
void pin(int cpu);
void device_sign(struct device *d, const uint8_t cdh[32], struct proto_assertion *a);
/* Part 3: garbage at the mac1 check against a bare receive loop. */
int flood_bench(double seconds);

#endif

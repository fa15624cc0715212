/* SPDX-License-Identifier: ISC */
/*
 * softkey's CTAPHID layer on arbitrary reports: reassembly, channels and
 * the commands behind it. The input is a series of 65-byte records: a clock
 * step (in 10 ms units) and one 64-byte report. Every reply must be a
 * well-formed report for a channel that exists.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "softkey.h"

static struct softkey sk;
static struct sk_state fresh;
static unsigned replies;

static int check_reply(void *ctx, const uint8_t *report)
{
	uint32_t cid = ctaphid_get_cid(report);
	bool allocated = cid != 0 && cid < sk.next_cid;

	(void)ctx;
	/* Only an ERROR may go to a channel that does not exist (it says so). */
	if (cid != CTAPHID_BROADCAST && !allocated && report[4] != CTAPHID_ERROR)
		abort();
	if ((report[4] & 0x80) && (report[5] << 8 | report[6]) > CTAPHID_MAX_MSG)
		abort();
	replies++;
	return 0;
}

static void device_reset(void)
{
	static bool ready;

	if (!ready) {
		struct sk_config cfg = {
			.algs = SK_ALG_ES256 | SK_ALG_EDDSA,
			.pin_protocols = 2 | 4,
			.presence = true,
			.frame_timeout_ms = 500,
		};

		if (sodium_init() < 0)
			abort();
		memset(&fresh, 0x42, sizeof(fresh));
		fresh.pin_set = false;
		fresh.pin_retries = SK_PIN_RETRIES;
		fresh.counter = 0;
		if (softkey_init(&sk, &cfg, &fresh) < 0)
			abort();
		sk.send = check_reply;
		ready = true;
	}
	sk.st = fresh;
	sk.next_cid = 1;
	sk.busy = false;
	ctaphid_rx_init(&sk.rx, sk.cfg.frame_timeout_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t now = 0;

	device_reset();
	for (; size >= 65; data += 65, size -= 65) {
		now += (int64_t)data[0] * 10;
		softkey_tick(&sk, now);
		softkey_frame(&sk, data + 1, now);
	}
	softkey_tick(&sk, now + 100000);
	return 0;
}

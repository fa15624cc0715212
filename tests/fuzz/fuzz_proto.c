/* SPDX-License-Identifier: ISC */
/*
 * The activation protocol's decoders on untrusted bytes. The first byte
 * picks what the rest is:
 *   0  a datagram as vpnd receives it (framing, the MACs and which key,
 *      challenge, opening; version 1's and later versions' answers)
 *   1  a datagram as enroll receives it in an exchange
 *   2  a decrypted REQUEST payload (what decodes must encode back to itself)
 *   3  a decrypted REPLY payload
 *   4  an enrollment URI
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct proto_gateway gw;
static struct proto_client client;
static bool ready;

static void setup(void)
{
	uint8_t act[KEY_LEN];
	struct proto_target t = {.kind = PROTO_TARGET_NAME, .name = "laptop"};
	uint8_t hello[PROTO_HELLO_LEN];

	if (ready)
		return;
	if (sodium_init() < 0)
		abort();
	memset(act, 0x21, sizeof(act));
	if (proto_gateway_init(&gw, act) < 0)
		abort();
	memset(act, 0x22, sizeof(act));
	if (proto_gateway_add_previous(&gw, act) < 0 ||
	    proto_gateway_tick(&gw, 100, 1700000000) < 0)
		abort();
	memset(act, 0x23, sizeof(act));
	proto_gateway_set_retired(&gw, act);
	if (proto_client_begin(&client, gw.key[0].pk, PROTO_OP_ACTIVATE, &t, hello) < 0)
		abort();
	memset(gw.challenge_secret, 0x33, 32);
	ready = true;
}

static void gateway_side(const uint8_t *pkt, size_t len)
{
	static const uint8_t addr[18] = {[10] = 0xff, [11] = 0xff, [12] = 192, [15] = 1};
	uint8_t out[PROTO_REPLY_MAX], commit[32];
	struct proto_challenge ch;
	struct proto_opened o;
	int type = proto_packet_type(pkt, len), v1 = proto_v1_packet_type(pkt, len);
	size_t n;

	/* The fuzzer cannot forge the MACs; look at what follows them anyway. */
	if (type >= 0 || v1 >= 0 || proto_packet_is_newer_hello(pkt, len))
		(void)proto_gw_key_of(&gw, pkt, len);
	if (type == PROTO_HELLO) {
		if (proto_gw_challenge(&gw, pkt[4] & 1, out, pkt, 100, addr) < 0)
			abort(); /* the slot key of 100 is there */
		proto_gw_error(&gw, PROTO_KEY_RETIRED, out, pkt, PROTO_ERR_KEY_ROTATED);
	} else if (type == PROTO_REQUEST) {
		proto_request_peek(pkt, commit, &ch);
		(void)proto_challenge_check(&gw, &ch, 100, addr, commit);
		for (unsigned k = 0; k < gw.n_keys; k++) {
			if (proto_gw_open(&gw, k, pkt, NULL, NULL, &o) == 0)
				abort(); /* nobody can seal to these keys without them */
			proto_opened_wipe(&o);
		}
	} else if (v1 == PROTO_HELLO) {
		proto_v1_challenge(&gw, 1, out, pkt, 100, addr);
	} else if (v1 == PROTO_REQUEST) {
		if (proto_v1_refuse(&gw, 1, pkt, 100, addr, 1, NULL, NULL, out, &n) == 0)
			abort(); /* nor make a version-1 challenge tag */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = NULL;
	struct proto_request req;
	struct proto_reply rep;
	struct proto_client c;
	struct proto_uri u;
	char why[ERR_LEN];
	int code;

	setup();
	if (size < 1)
		return 0;
	switch (data[0]) {
	case 0:
		gateway_side(data + 1, size - 1);
		break;
	case 1:
		c = client;
		c.sent = size > 1 && (data[1] & 1);
		(void)proto_client_receive(&c, data + 1, size - 1, &code, &rep);
		break;
	case 2:
		/* What decodes is canonical: encoding it again gives the input. */
		if (proto_request_decode(&req, data + 1, size - 1) == 0) {
			buf = malloc(size - 1);
			if (buf == NULL)
				return 0;
			if (proto_request_encode(buf, size - 1, &req) != 0 ||
			    memcmp(buf, data + 1, size - 1) != 0)
				abort();
			free(buf);
		}
		break;
	case 3:
		(void)proto_reply_decode(&rep, data + 1, size - 1);
		break;
	case 4:
		buf = malloc(size);
		if (buf == NULL)
			return 0;
		memcpy(buf, data + 1, size - 1);
		buf[size - 1] = '\0';
		(void)proto_uri_parse(&u, (const char *)buf, why);
		free(buf);
		break;
	default:
		break;
	}
	return 0;
}

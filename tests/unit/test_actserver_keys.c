/* SPDX-License-Identifier: ISC */
/*
 * The gateway's pipeline (actserver) and the activation keys: a rotation's
 * previous and retired keys, and packets of other protocol versions
 * (docs/protocol.md 3.2, 4.1).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "netchild/actserver.h"

static int op_calls;
static int op_result;

/* Stands in for vpnd's registry and sessions: activates whatever it is
 * asked to, and hands out a PSK to a device that proves its key. */
static int fake_op(void *arg, const struct proto_opened *o, const struct sockaddr *src,
		   struct proto_reply *rep)
{
	op_calls++;
	if (op_result < 0)
		return op_result;
	if (op_result > 0) { /* a refusal with that code */
		rep->status = (uint8_t)op_result;
		return 0;
	}
	rep->status = PROTO_OK;
	rep->fields = PROTO_REP_SECONDS_LEFT | PROTO_REP_STATE;
	rep->seconds_left = 36000;
	rep->state = 1;
	if (o->has_static && o->req.target.kind == PROTO_TARGET_KEY &&
	    sodium_memcmp(o->static_pub, o->req.target.key, KEY_LEN) == 0) {
		rep->fields |= PROTO_REP_PSK;
		memset(rep->psk, 0x5c, KEY_LEN);
	}
	return 0;
}

struct fixture {
	struct actserver *srv;
	uint8_t dev_sk[KEY_LEN];
	struct proto_target self;
	struct sockaddr_in src;
	/* setup_rotated: the key a rotation replaced, in its grace until
	 * WALL + 100, and one retired before it */
	uint8_t prev_sk[KEY_LEN], prev_pk[KEY_LEN], retired_pk[KEY_LEN];
};

#define WALL 1700000000ULL

static int setup_keys(void **state, bool rotated)
{
	static struct fixture f;
	struct actserver_config cfg = {.op = fake_op};
	struct actserver_keys keys = {0};
	uint8_t sk[KEY_LEN];

	memset(&f, 0, sizeof(f));
	key_generate_private(keys.act_sk);
	if (rotated) {
		key_generate_private(f.prev_sk);
		key_generate_private(sk);
		if (key_public(f.prev_pk, f.prev_sk) < 0 || key_public(f.retired_pk, sk) < 0)
			return -1;
		keys.prev_sk = f.prev_sk;
		keys.prev_until = WALL + 100;
		keys.retired_pk = f.retired_pk;
	}
	if (actserver_create(&f.srv, &keys, &cfg) < 0)
		return -1;
	key_generate_private(f.dev_sk);
	f.self.kind = PROTO_TARGET_KEY;
	if (key_public(f.self.key, f.dev_sk) < 0)
		return -1;
	f.src.sin_family = AF_INET;
	f.src.sin_port = htons(40000);
	inet_pton(AF_INET, "192.0.2.10", &f.src.sin_addr);
	op_calls = 0;
	op_result = 0;
	*state = &f;
	return 0;
}

static int setup(void **state)
{
	return setup_keys(state, false);
}

static int setup_rotated(void **state)
{
	return setup_keys(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	actserver_destroy(&f->srv);
	return 0;
}

#define SRC(f) ((const struct sockaddr *)&(f)->src)

/* HELLO → CHALLENGE → a REQUEST of the given client time, not yet sent,
 * under the key gw_pub (NULL: the current one). */
static void make_request_key(struct fixture *f, struct proto_client *c, const uint8_t *gw_pub,
			     uint64_t now_ms, uint64_t client_time,
			     uint8_t req_pkt[PROTO_REQUEST_LEN])
{
	uint8_t hello[PROTO_HELLO_LEN], out[PROTO_REPLY_MAX];
	struct proto_request req = {.client_time = client_time};
	struct proto_reply rep;
	size_t n;
	int code;

	assert_int_equal(proto_client_begin(c,
					    gw_pub != NULL ? gw_pub : actserver_public_key(f->srv),
					    PROTO_OP_STATUS, &f->self, hello),
			 0);
	actserver_packet(f->srv, hello, sizeof(hello), SRC(f), now_ms, WALL, out, &n);
	assert_int_equal(n, PROTO_CHALLENGE_LEN);
	assert_int_equal(proto_client_receive(c, out, n, &code, &rep), PROTO_CHALLENGE);
	assert_int_equal(proto_client_request(c, f->dev_sk, &req, req_pkt), 0);
}

static void make_request(struct fixture *f, struct proto_client *c, uint64_t now_ms,
			 uint64_t client_time, uint8_t req_pkt[PROTO_REQUEST_LEN])
{
	make_request_key(f, c, NULL, now_ms, client_time, req_pkt);
}

/* During the grace the previous key works, and every reply to it tells
 * the new key; after it, its users hear KEY_ROTATED, as do those of the
 * key retired before; the current key works throughout. */
static void test_rotation(void **state)
{
	struct fixture *f = *state;
	uint8_t req[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX], hello[PROTO_HELLO_LEN];
	struct proto_client c;
	struct proto_reply rep;
	size_t n;
	int code;

	make_request_key(f, &c, f->prev_pk, 5000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_OK);
	assert_true(rep.fields & PROTO_REP_ACT_KEY);
	assert_memory_equal(rep.act_key, actserver_public_key(f->srv), KEY_LEN);
	proto_client_finish(&c);
	/* A refusal tells it too: it is sealed as well. */
	op_result = PROTO_ERR_NOT_ENROLLED;
	make_request_key(f, &c, f->prev_pk, 5000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_ERR_NOT_ENROLLED);
	assert_true(rep.fields & PROTO_REP_ACT_KEY);
	proto_client_finish(&c);
	op_result = 0;
	/* The key retired before: KEY_ROTATED, once a second per source. */
	assert_int_equal(proto_client_begin(&c, f->retired_pk, PROTO_OP_STATUS, &f->self, hello),
			 0);
	actserver_packet(f->srv, hello, sizeof(hello), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(n, PROTO_ERROR_LEN);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_KEY_ROTATED);
	actserver_packet(f->srv, hello, sizeof(hello), SRC(f), 6100, WALL, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(actserver_stats(f->srv)->retired_key, 2);
	proto_client_finish(&c);
	/* The current key's replies do not. */
	make_request(f, &c, 5000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_false(rep.fields & PROTO_REP_ACT_KEY);
	proto_client_finish(&c);
	/* A request made in the grace, arriving after it: nothing opens. */
	make_request_key(f, &c, f->prev_pk, 7000, WALL + 99, req);
	actserver_tick(f->srv, 7500, WALL + 100);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 8000, WALL + 100, out, &n);
	assert_int_equal(n, PROTO_ERROR_LEN);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_KEY_ROTATED);
	assert_int_equal(actserver_stats(f->srv)->retired_key, 3);
	proto_client_finish(&c);
	/* The one retired before is forgotten now: one retired key is kept,
	 * so that garbage costs a mac0 per key and no more. */
	assert_int_equal(proto_client_begin(&c, f->retired_pk, PROTO_OP_STATUS, &f->self, hello),
			 0);
	actserver_packet(f->srv, hello, sizeof(hello), SRC(f), 9000, WALL + 100, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(actserver_stats(f->srv)->retired_key, 3);
	assert_int_equal(actserver_stats(f->srv)->drop_mac0, 1);
	proto_client_finish(&c);
	make_request(f, &c, 10000, WALL + 100, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 11000, WALL + 100, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_OK);
	proto_client_finish(&c);
}

/* Another version's HELLO: a later one hears VERSION; version 1 gets its
 * own CHALLENGE. Neither is ever larger than what it answers. */
static void test_other_versions(void **state)
{
	struct fixture *f = *state;
	uint8_t hello[PROTO_HELLO_LEN], out[PROTO_REPLY_MAX];
	struct proto_client c;
	struct proto_reply rep;
	struct proto_macs m;
	size_t n;
	int code;

	assert_int_equal(proto_client_begin(&c, actserver_public_key(f->srv), PROTO_OP_STATUS,
					    &f->self, hello),
			 0);
	proto_macs_init(&m, actserver_public_key(f->srv));
	hello[1] = PROTO_VERSION + 1;
	proto_macs_set(hello, sizeof(hello), &m);
	actserver_packet(f->srv, hello, sizeof(hello), SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, PROTO_ERROR_LEN);
	assert_int_equal(out[36], PROTO_ERR_VERSION);
	/* What a client of that version would make of it: ours does too. */
	out[1] = PROTO_VERSION + 1;
	proto_macs_set(out, n, &m);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_VERSION);
	/* Version 1's HELLO is 128 bytes. */
	hello[1] = 1;
	proto_macs_set(hello, PROTO_V1_HELLO_LEN, &m);
	actserver_packet(f->srv, hello, PROTO_V1_HELLO_LEN, SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, PROTO_V1_CHALLENGE_LEN);
	assert_int_equal(out[1], 1);
	assert_true(proto_mac1_ok(out, n, &m));
	assert_int_equal(actserver_stats(f->srv)->other_version, 2);
	assert_int_equal(op_calls, 0);
	proto_client_finish(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation, setup_rotated, teardown),
		cmocka_unit_test_setup_teardown(test_other_versions, setup, teardown),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

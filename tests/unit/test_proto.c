/* SPDX-License-Identifier: ISC */
/*
 * The key schedule against vectors from an independent implementation
 * (proto_vectors.py), then whole exchanges between the client and gateway
 * sides, and what each tampering does. Rotation, the slot keys' lives and
 * other versions are test_proto_keys.c's.
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

#include "proto/proto.h"
#include "proto_vectors.h"

static void vector_gateway(struct proto_gateway *gw)
{
	assert_int_equal(proto_gateway_init(gw, v_act_sk), 0);
	memcpy(gw->challenge_secret, v_secret, 32);
	assert_int_equal(proto_gateway_slot_set(gw, V_TIME, V_SLOT_WALL, v_slot_sk), 0);
}

/* A client in the state the vectors' HELLO left it in. */
static void vector_client(struct proto_client *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->gw_pub, v_act_pub, KEY_LEN);
	proto_macs_init(&c->macs, v_act_pub);
	memcpy(c->commit, v_commit, 32);
	c->op = PROTO_OP_ACTIVATE;
	c->target.kind = PROTO_TARGET_KEY;
	memcpy(c->target.key, v_static_pub, KEY_LEN);
}

static void test_vectors_keys(void **state)
{
	struct proto_gateway gw;
	uint8_t commit[32], cdh[32];
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_challenge ch = {.time = V_TIME};
	const struct proto_slot *sl;

	vector_gateway(&gw);
	assert_memory_equal(gw.key[0].pk, v_act_pub, 32);
	assert_memory_equal(gw.key[0].ed_pk, v_act_ed, 32);
	assert_memory_equal(gw.key[0].macs.k1, v_mac1_key, 32);
	assert_memory_equal(gw.key[0].macs.k0, v_mac0_key, 16);
	sl = proto_gateway_slot(&gw, V_TIME);
	assert_non_null(sl);
	assert_memory_equal(sl->pk, v_slot_pub, 32);
	/* The certificate is deterministic: the nonce comes from the key. */
	assert_memory_equal(sl->sig[0], v_cert, 64);
	memcpy(t.key, v_static_pub, 32);
	proto_commit(commit, v_nonce, PROTO_OP_ACTIVATE, v_eph_pub, &t);
	assert_memory_equal(commit, v_commit, 32);
	memcpy(ch.tag, v_tag, sizeof(ch.tag));
	assert_int_equal(proto_challenge_check(&gw, &ch, V_TIME + 5, v_addr, v_commit), PROTO_OK);
	proto_client_data_hash(cdh, "activate", gw.key[0].pk, &t, &ch, NULL);
	assert_memory_equal(cdh, v_cdh, 32);
	proto_gateway_finish(&gw);
}

static void test_vectors_packets(void **state)
{
	struct proto_gateway gw;
	struct proto_client c;
	uint8_t out[PROTO_REPLY_MAX];
	struct proto_opened o;
	struct proto_reply rep = {0}, got;
	size_t n = 0;
	int code;

	vector_gateway(&gw);
	assert_int_equal(proto_packet_type(v_hello, sizeof(v_hello)), PROTO_HELLO);
	assert_int_equal(proto_gw_key_of(&gw, v_hello, sizeof(v_hello)), 0);
	assert_int_equal(proto_gw_challenge(&gw, 0, out, v_hello, V_TIME, v_addr), 0);
	assert_memory_equal(out, v_challenge, sizeof(v_challenge));
	/* libsodium's Ed25519 verifier takes the certificate Python made. */
	vector_client(&c);
	assert_int_equal(proto_client_receive(&c, v_challenge, sizeof(v_challenge), &code, &got),
			 PROTO_CHALLENGE);
	assert_memory_equal(c.slot_pub, v_slot_pub, 32);
	assert_int_equal(c.slot_wall, V_SLOT_WALL);

	assert_int_equal(proto_packet_type(v_request, sizeof(v_request)), PROTO_REQUEST);
	assert_int_equal(proto_gw_key_of(&gw, v_request, sizeof(v_request)), 0);
	assert_int_equal(proto_gw_open(&gw, 0, v_request, NULL, NULL, &o), 0);
	assert_true(o.has_static);
	assert_memory_equal(o.static_pub, v_static_pub, 32);
	assert_memory_equal(o.kr, v_kr, 32);
	assert_int_equal(o.req.op, PROTO_OP_ACTIVATE);
	assert_int_equal(o.req.client_time, 1700000000);
	assert_int_equal(o.req.target.kind, PROTO_TARGET_KEY);
	assert_memory_equal(o.req.target.key, v_static_pub, 32);
	assert_true(o.req.fields & PROTO_REQ_ASSERTION);
	assert_int_equal(o.req.assertion.cred_id_len, 64);
	assert_memory_equal(o.req.assertion.auth_data, v_auth_data, sizeof(v_auth_data));
	assert_int_equal(o.challenge.time, V_TIME);

	rep.status = PROTO_OK;
	rep.gateway_time = 1700000001;
	rep.fields = PROTO_REP_SECONDS_LEFT | PROTO_REP_PSK | PROTO_REP_PEER | PROTO_REP_OWNER |
		     PROTO_REP_STATE | PROTO_REP_ACT_KEY;
	rep.seconds_left = 36000;
	memcpy(rep.psk, v_psk, 32);
	strcpy(rep.peer, "laptop");
	strcpy(rep.owner, "alice");
	rep.state = 1;
	memcpy(rep.act_key, v_new_key, 32);
	assert_int_equal(proto_gw_reply(&gw, &o, &rep, out, &n), 0);
	assert_int_equal(n, sizeof(v_reply));
	assert_memory_equal(out, v_reply, sizeof(v_reply));
	assert_true(n <= sizeof(v_request));
	proto_opened_wipe(&o);
	proto_gateway_finish(&gw);
}

/* A gateway-side ss callback that counts its calls, as vpnd's cache does. */
static int ss_calls;
static int ss_cached(void *arg, unsigned key, const uint8_t pub[KEY_LEN], uint8_t ss[32])
{
	const struct proto_gateway *gw = arg;

	ss_calls++;
	return crypto_scalarmult(ss, gw->key[key].sk, pub) == 0 ? 0 : -EINVAL;
}

struct exchange {
	struct proto_gateway gw;
	struct proto_client c;
	uint8_t addr[18];
	uint8_t req[PROTO_REQUEST_LEN];
};

static void exchange_begin(struct exchange *x, enum proto_op op, const struct proto_target *t)
{
	uint8_t act[KEY_LEN], hello[PROTO_HELLO_LEN], ch[PROTO_CHALLENGE_LEN];
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(5555)};
	struct proto_reply rep;
	int code;

	key_generate_private(act);
	assert_int_equal(proto_gateway_init(&x->gw, act), 0);
	assert_int_equal(proto_gateway_tick(&x->gw, 500, 1700000000), 0);
	inet_pton(AF_INET6, "2001:db8::7", &sa.sin6_addr);
	assert_int_equal(proto_addr_bytes(x->addr, (struct sockaddr *)&sa), 0);
	assert_int_equal(proto_client_begin(&x->c, x->gw.key[0].pk, op, t, hello), 0);
	assert_int_equal(proto_packet_type(hello, sizeof(hello)), PROTO_HELLO);
	assert_int_equal(proto_gw_key_of(&x->gw, hello, sizeof(hello)), 0);
	assert_int_equal(proto_gw_challenge(&x->gw, 0, ch, hello, 500, x->addr), 0);
	assert_true(sizeof(ch) <= sizeof(hello)); /* no amplification */
	assert_int_equal(proto_client_receive(&x->c, ch, sizeof(ch), &code, &rep), PROTO_CHALLENGE);
}

static void fake_assertion(struct proto_request *req)
{
	req->fields |= PROTO_REQ_ASSERTION;
	req->assertion.cred_id_len = 16;
	memset(req->assertion.cred_id, 0xab, 16);
	req->assertion.auth_data_len = 37;
	req->assertion.sig_len = 64;
}

static void test_exchange_device(void **state)
{
	struct exchange x;
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	uint8_t dev_sk[KEY_LEN], out[PROTO_REPLY_MAX], commit[32];
	struct proto_request req = {.client_time = 1700000000};
	struct proto_challenge ch;
	struct proto_opened o;
	struct proto_reply rep = {0}, got;
	size_t n;
	int code = -1;

	key_generate_private(dev_sk);
	assert_int_equal(key_public(t.key, dev_sk), 0);
	exchange_begin(&x, PROTO_OP_ACTIVATE, &t);
	fake_assertion(&req);
	assert_int_equal(proto_client_request(&x.c, dev_sk, &req, x.req), 0);
	assert_true(proto_mac1_ok(x.req, sizeof(x.req), &x.gw.key[0].macs));
	/* A second request under the same one-time keys: refused. */
	{
		uint8_t again[PROTO_REQUEST_LEN];

		assert_int_equal(proto_client_request(&x.c, dev_sk, &req, again), -EINVAL);
	}

	proto_request_peek(x.req, commit, &ch);
	assert_int_equal(proto_challenge_check(&x.gw, &ch, 510, x.addr, commit), PROTO_OK);
	ss_calls = 0;
	assert_int_equal(proto_gw_open(&x.gw, 0, x.req, ss_cached, &x.gw, &o), 0);
	assert_int_equal(ss_calls, 1);
	assert_true(o.has_static);
	assert_memory_equal(o.static_pub, t.key, 32);
	assert_memory_equal(o.req.target.key, t.key, 32);
	/* Under a key it was not made for: nothing opens. */
	assert_int_equal(proto_gw_open(&x.gw, 1, x.req, ss_cached, &x.gw, &o), -EBADMSG);
	assert_int_equal(proto_gw_open(&x.gw, 0, x.req, ss_cached, &x.gw, &o), 0);

	rep.gateway_time = 1;
	rep.fields = PROTO_REP_PSK;
	key_generate_preshared(rep.psk);
	assert_int_equal(proto_gw_reply(&x.gw, &o, &rep, out, &n), 0);
	assert_int_equal(proto_client_receive(&x.c, out, n, &code, &got), PROTO_REPLY);
	assert_memory_equal(got.psk, rep.psk, 32);
	/* A flipped bit anywhere in the reply: not accepted. */
	for (size_t i = 0; i < n; i++) {
		out[i] ^= 0x01;
		assert_int_equal(proto_client_receive(&x.c, out, n, &code, &got), -EBADMSG);
		out[i] ^= 0x01;
	}
	proto_client_finish(&x.c);
	proto_gateway_finish(&x.gw);
}

static void test_exchange_named_no_device(void **state)
{
	struct exchange x;
	struct proto_target t = {.kind = PROTO_TARGET_NAME, .name = "alice-phone"};
	struct proto_request req = {.client_time = 5};
	struct proto_opened o;
	uint8_t cdh1[32], cdh2[32];

	exchange_begin(&x, PROTO_OP_ACTIVATE, &t);
	fake_assertion(&req);
	assert_int_equal(proto_client_request(&x.c, NULL, &req, x.req), 0);
	ss_calls = 0;
	assert_int_equal(proto_gw_open(&x.gw, 0, x.req, ss_cached, &x.gw, &o), 0);
	assert_int_equal(ss_calls, 0);
	assert_false(o.has_static);
	assert_string_equal(o.req.target.name, "alice-phone");
	/* Both sides compute the same cdh from what they know. */
	proto_client_cdh(&x.c, cdh1, NULL, NULL);
	proto_client_data_hash(cdh2, "activate", x.gw.key[0].pk, &o.req.target, &o.challenge, NULL);
	assert_memory_equal(cdh1, cdh2, 32);
	/* Another gateway, peer, purpose or challenge: another cdh. */
	strcpy(o.req.target.name, "bob-phone");
	proto_client_data_hash(cdh2, "activate", x.gw.key[0].pk, &o.req.target, &o.challenge, NULL);
	assert_memory_not_equal(cdh1, cdh2, 32);
	proto_client_cdh(&x.c, cdh2, "add-key", NULL);
	assert_memory_not_equal(cdh1, cdh2, 32);
	x.c.challenge.time++;
	proto_client_cdh(&x.c, cdh2, NULL, NULL);
	assert_memory_not_equal(cdh1, cdh2, 32);
	x.c.challenge.time--;
	x.c.gw_pub[0] ^= 1;
	proto_client_cdh(&x.c, cdh2, NULL, NULL);
	assert_memory_not_equal(cdh1, cdh2, 32);
	proto_client_finish(&x.c);
	proto_gateway_finish(&x.gw);
}

static void test_tampering(void **state)
{
	struct exchange x;
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	uint8_t dev_sk[KEY_LEN], commit[32], addr2[18];
	struct proto_request req = {.client_time = 5};
	struct proto_challenge ch;
	struct proto_opened o;

	key_generate_private(dev_sk);
	assert_int_equal(key_public(t.key, dev_sk), 0);
	exchange_begin(&x, PROTO_OP_STATUS, &t);
	assert_int_equal(proto_client_request(&x.c, dev_sk, &req, x.req), 0);
	/* Every byte is covered by mac1; every byte after the header also by
	 * the challenge tag or the AEAD. */
	for (size_t i = 0; i < PROTO_REQUEST_LEN; i++) {
		x.req[i] ^= 0x80;
		assert_false(proto_mac1_ok(x.req, sizeof(x.req), &x.gw.key[0].macs));
		if (i >= 4 && i < PROTO_REQUEST_LEN - PROTO_MAC_LEN) {
			proto_request_peek(x.req, commit, &ch);
			if (proto_challenge_check(&x.gw, &ch, 500, x.addr, commit) == PROTO_OK)
				assert_int_not_equal(proto_gw_open(&x.gw, 0, x.req, NULL, NULL, &o),
						     0);
		}
		x.req[i] ^= 0x80;
	}
	proto_request_peek(x.req, commit, &ch);
	memcpy(addr2, x.addr, 18);
	addr2[17] ^= 1; /* another source port */
	assert_int_equal(proto_challenge_check(&x.gw, &ch, 500, addr2, commit),
			 PROTO_ERR_CHALLENGE_BAD);
	assert_int_equal(
		proto_challenge_check(&x.gw, &ch, 500 + PROTO_CHALLENGE_LIFE, x.addr, commit),
		PROTO_OK);
	assert_int_equal(
		proto_challenge_check(&x.gw, &ch, 501 + PROTO_CHALLENGE_LIFE, x.addr, commit),
		PROTO_ERR_CHALLENGE_EXPIRED);
	assert_int_equal(proto_challenge_check(&x.gw, &ch, 499, x.addr, commit),
			 PROTO_ERR_CLOCK_SKEW);
	/* A restarted gateway has a new secret. */
	randombytes_buf(x.gw.challenge_secret, 32);
	assert_int_equal(proto_challenge_check(&x.gw, &ch, 500, x.addr, commit),
			 PROTO_ERR_CHALLENGE_BAD);
	assert_int_equal(proto_gw_open(&x.gw, 0, x.req, NULL, NULL, &o), 0);
	proto_client_finish(&x.c);
	proto_gateway_finish(&x.gw);
}

/* The commitment binds the target: a client that commits to one peer and
 * then names another in the encrypted payload is refused. */
static void test_commit_binds_target(void **state)
{
	struct exchange x;
	struct proto_target t = {.kind = PROTO_TARGET_NAME, .name = "laptop"};
	struct proto_request req = {.client_time = 5};
	struct proto_opened o;

	exchange_begin(&x, PROTO_OP_ACTIVATE, &t);
	fake_assertion(&req);
	strcpy(x.c.target.name, "other");
	assert_int_equal(proto_client_request(&x.c, NULL, &req, x.req), 0);
	assert_int_equal(proto_gw_open(&x.gw, 0, x.req, NULL, NULL, &o), -EPROTO);
	/* Still answerable: the sender holds the key. */
	assert_false(sodium_is_zero(o.kr, 32));
	proto_client_finish(&x.c);
	proto_gateway_finish(&x.gw);
}

static void test_errors(void **state)
{
	struct exchange x;
	struct proto_target t = {0};
	uint8_t err[PROTO_ERROR_LEN], hello[PROTO_HELLO_LEN];
	struct proto_reply rep;
	int code = -1;

	exchange_begin(&x, PROTO_OP_ENROLL, &t);
	memset(hello, 0, sizeof(hello));
	memcpy(hello + 4, x.c.commit, 32);
	proto_gw_error(&x.gw, 0, err, hello, PROTO_ERR_RATE_LIMITED);
	assert_int_equal(proto_packet_type(err, sizeof(err)), PROTO_ERROR);
	assert_int_equal(proto_client_receive(&x.c, err, sizeof(err), &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_RATE_LIMITED);
	/* Only the plain codes may come in the clear. */
	proto_gw_error(&x.gw, 0, err, hello, PROTO_ERR_BAD_SIGNATURE);
	assert_int_equal(proto_client_receive(&x.c, err, sizeof(err), &code, &rep), -EBADMSG);
	/* Not for this exchange. */
	hello[4] ^= 1;
	proto_gw_error(&x.gw, 0, err, hello, PROTO_ERR_RATE_LIMITED);
	assert_int_equal(proto_client_receive(&x.c, err, sizeof(err), &code, &rep), -EBADMSG);
	for (int c = 0; c < 70; c++)
		assert_non_null(proto_strerror(c));
	assert_string_equal(proto_errname(PROTO_ERR_COUNTER_REGRESSED), "counter_regressed");
	assert_string_equal(proto_end_reason_str(PROTO_END_IDLE), "idle timeout");
	assert_null(proto_end_reason_str(99));
	/* What a user of a stale key or an old enroll reads. */
	assert_non_null(strstr(proto_strerror(PROTO_ERR_KEY_ROTATED), "rotated"));
	assert_non_null(strstr(proto_strerror(PROTO_ERR_VERSION), "upgrade enroll"));
	assert_true(proto_err_is_plain(PROTO_ERR_KEY_ROTATED));
	assert_true(proto_err_is_plain(PROTO_ERR_VERSION));
	proto_client_finish(&x.c);
	proto_gateway_finish(&x.gw);
}

static void test_packet_type(void **state)
{
	uint8_t buf[PROTO_REQUEST_LEN + 1] = {0};

	for (size_t len = 0; len <= sizeof(buf); len++) {
		for (int type = 0; type < 8; type++) {
			int want = -EBADMSG, want1 = -EBADMSG;

			buf[0] = (uint8_t)type;
			buf[1] = PROTO_VERSION;
			if ((type == 1 && len == 224) || (type == 2 && len == 220) ||
			    (type == 3 && len == 1232) ||
			    (type == 4 && len >= 100 && len <= 1232) || (type == 5 && len == 56))
				want = type;
			assert_int_equal(proto_packet_type(buf, len), want);
			assert_int_equal(proto_v1_packet_type(buf, len), -EBADMSG);
			/* Version 1: only what a gateway still answers. */
			buf[1] = 1;
			if ((type == 1 && len == 128) || (type == 3 && len == 1232))
				want1 = type;
			assert_int_equal(proto_v1_packet_type(buf, len), want1);
			assert_int_equal(proto_packet_type(buf, len), -EBADMSG);
		}
	}
	buf[0] = PROTO_HELLO;
	buf[1] = 3;
	assert_int_equal(proto_packet_type(buf, 224), -EBADMSG);
	assert_true(proto_packet_is_newer_hello(buf, 224));
	assert_false(proto_packet_is_newer_hello(buf, 40));
	buf[1] = PROTO_VERSION;
	assert_false(proto_packet_is_newer_hello(buf, 224));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_keys),
		cmocka_unit_test(test_vectors_packets),
		cmocka_unit_test(test_exchange_device),
		cmocka_unit_test(test_exchange_named_no_device),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_commit_binds_target),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_packet_type),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

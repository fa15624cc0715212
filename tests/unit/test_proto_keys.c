/* SPDX-License-Identifier: ISC */
/*
 * The keys of protocol version 2 (docs/protocol.md 3): the slot keys'
 * lives and what a later theft of the gateway's state reveals, the slot
 * certificates, a rotation's previous and retired keys, and the answers
 * to other versions, version 1's against vectors from proto_vectors.py.
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

#define WALL 1700000000

/* One exchange, recorded as someone on the path would: HELLO, CHALLENGE,
 * REQUEST, REPLY. */
struct recording {
	uint8_t addr[18];
	uint8_t dev_sk[KEY_LEN], dev_pub[KEY_LEN];
	uint8_t hello[PROTO_HELLO_LEN], chal[PROTO_CHALLENGE_LEN];
	uint8_t req[PROTO_REQUEST_LEN], reply[PROTO_REPLY_MAX];
	size_t reply_len;
	uint8_t psk[KEY_LEN], code[PROTO_CODE_LEN];
	unsigned key;
};

static void addr_of(uint8_t addr[18])
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(4444)};

	inet_pton(AF_INET, "192.0.2.9", &sa.sin_addr);
	assert_int_equal(proto_addr_bytes(addr, (struct sockaddr *)&sa), 0);
}

/* An ENROLL with a code and device proof, answered with a PSK: everything
 * forward secrecy is about. The client knows the key gw_pub. */
static void record(struct proto_gateway *gw, const uint8_t gw_pub[KEY_LEN], uint64_t now,
		   struct recording *r)
{
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_request req = {.client_time = WALL,
				    .fields = PROTO_REQ_CODE | PROTO_REQ_NEW_CRED};
	struct proto_reply rep = {.gateway_time = WALL, .fields = PROTO_REP_PSK}, got;
	struct proto_client c;
	struct proto_opened o;
	int key, code;

	addr_of(r->addr);
	key_generate_private(r->dev_sk);
	assert_int_equal(key_public(r->dev_pub, r->dev_sk), 0);
	memcpy(t.key, r->dev_pub, KEY_LEN);
	randombytes_buf(r->code, sizeof(r->code));
	memcpy(req.code, r->code, sizeof(r->code));
	req.cred.alg = PROTO_COSE_EDDSA;
	req.cred.id_len = 8;
	req.cred.pk_len = 32;
	assert_int_equal(proto_gateway_tick(gw, now, WALL), 0);
	assert_int_equal(proto_client_begin(&c, gw_pub, PROTO_OP_ENROLL, &t, r->hello), 0);
	key = proto_gw_key_of(gw, r->hello, sizeof(r->hello));
	assert_true(key >= 0 && key < PROTO_GW_KEYS);
	r->key = (unsigned)key;
	assert_int_equal(proto_gw_challenge(gw, r->key, r->chal, r->hello, now, r->addr), 0);
	assert_int_equal(proto_client_receive(&c, r->chal, sizeof(r->chal), &code, &got),
			 PROTO_CHALLENGE);
	assert_int_equal(proto_client_request(&c, r->dev_sk, &req, r->req), 0);
	assert_int_equal(proto_gw_key_of(gw, r->req, sizeof(r->req)), key);
	assert_int_equal(proto_gw_open(gw, r->key, r->req, NULL, NULL, &o), 0);
	assert_memory_equal(o.req.code, r->code, sizeof(r->code));
	key_generate_preshared(r->psk);
	memcpy(rep.psk, r->psk, KEY_LEN);
	assert_int_equal(proto_gw_reply(gw, &o, &rep, r->reply, &r->reply_len), 0);
	assert_int_equal(proto_client_receive(&c, r->reply, r->reply_len, &code, &got),
			 PROTO_REPLY);
	assert_memory_equal(got.psk, r->psk, KEY_LEN);
	proto_opened_wipe(&o);
	proto_client_finish(&c);
}

/* Every 32 bytes of the stolen state, at every offset, tried as the
 * slot key of a gateway otherwise like the stolen one, against the
 * recorded REQUEST: what an attacker who holds it all would try. */
static bool state_opens(const struct proto_gateway *stolen, const struct recording *r)
{
	static struct proto_gateway g;
	const uint8_t *p = (const uint8_t *)stolen;
	struct proto_challenge ch;
	struct proto_opened o;
	uint8_t commit[32];
	bool opened = false;

	proto_request_peek(r->req, commit, &ch);
	for (size_t i = 0; i + KEY_LEN <= sizeof(*stolen) && !opened; i++) {
		g = *stolen;
		if (proto_gateway_slot_set(&g, ch.time, WALL, p + i) < 0)
			continue;
		opened = proto_gw_open(&g, r->key, r->req, NULL, NULL, &o) == 0;
		proto_opened_wipe(&o);
	}
	proto_gateway_finish(&g);
	return opened;
}

/*
 * The compromise of the gateway after a slot is over: its whole state (the
 * activation key included) opens no recorded exchange of that slot. The
 * same theft before the slot key is erased does: the test can fail.
 */
static void test_forward_secrecy(void **state)
{
	static struct proto_gateway gw, stolen;
	uint8_t act[KEY_LEN];
	struct recording r;
	const uint64_t t0 = 1000; /* CLOCK_BOOTTIME seconds */
	uint64_t later = (t0 / PROTO_SLOT_LEN + 1) * PROTO_SLOT_LEN + PROTO_CHALLENGE_LIFE;
	const struct proto_slot *sl;
	uint8_t slot_sk[KEY_LEN];
	struct proto_opened o;

	key_generate_private(act);
	assert_int_equal(proto_gateway_init(&gw, act), 0);
	record(&gw, gw.key[0].pk, t0, &r);
	sl = proto_gateway_slot(&gw, t0);
	assert_non_null(sl);
	memcpy(slot_sk, sl->sk, KEY_LEN);

	/* Stolen while the slot's challenges may still be used: it opens. */
	assert_int_equal(proto_gateway_tick(&gw, later - 1, WALL + 200), 0);
	stolen = gw;
	assert_int_equal(proto_gw_open(&stolen, 0, r.req, NULL, NULL, &o), 0);
	assert_memory_equal(o.req.code, r.code, sizeof(r.code));
	proto_opened_wipe(&o);

	/* Stolen once they have all expired: the slot key is gone... */
	assert_int_equal(proto_gateway_tick(&gw, later, WALL + 201), 0);
	stolen = gw;
	assert_null(proto_gateway_slot(&stolen, t0));
	assert_int_equal(proto_gw_open(&stolen, 0, r.req, NULL, NULL, &o), -EBADMSG);
	assert_null(memmem(&stolen, sizeof(stolen), slot_sk, KEY_LEN));
	/* ...and no 32 bytes of what is left serve as one. */
	assert_false(state_opens(&stolen, &r));
	/* The activation key alone, with the device's static key too: the
	 * static DH is not enough without the slot's. */
	assert_memory_equal(stolen.key[0].sk, act, KEY_LEN - 1);
	{
		struct proto_gateway g = stolen;

		assert_int_equal(proto_gateway_slot_set(&g, t0, WALL, act), 0);
		assert_int_not_equal(proto_gw_open(&g, 0, r.req, NULL, NULL, &o), 0);
		assert_int_equal(proto_gateway_slot_set(&g, t0, WALL, r.dev_sk), 0);
		assert_int_not_equal(proto_gw_open(&g, 0, r.req, NULL, NULL, &o), 0);
		proto_gateway_finish(&g);
	}
	sodium_memzero(slot_sk, sizeof(slot_sk));
	proto_gateway_finish(&gw);
	proto_gateway_finish(&stolen);
}

/* At most three slot keys live, each erased as its last challenge expires. */
static void test_slot_lives(void **state)
{
	static struct proto_gateway gw;
	uint8_t act[KEY_LEN];
	size_t live;

	key_generate_private(act);
	assert_int_equal(proto_gateway_init(&gw, act), 0);
	assert_null(proto_gateway_slot(&gw, 600));
	for (uint64_t now = 600; now < 1200; now++) {
		assert_int_equal(proto_gateway_tick(&gw, now, WALL + now), 0);
		assert_non_null(proto_gateway_slot(&gw, now));
		/* The oldest challenge still valid has its key. */
		if (now >= 600 + PROTO_CHALLENGE_LIFE)
			assert_non_null(proto_gateway_slot(&gw, now - PROTO_CHALLENGE_LIFE));
		live = 0;
		for (size_t i = 0; i < PROTO_SLOTS; i++)
			live += gw.slot[i].n != 0;
		assert_true(live <= 3);
		/* The slot before the oldest valid challenge's: gone. */
		if (now >= 600 + PROTO_CHALLENGE_LIFE + PROTO_SLOT_LEN &&
		    (now - PROTO_CHALLENGE_LIFE) % PROTO_SLOT_LEN == 0)
			assert_null(proto_gateway_slot(&gw, now - PROTO_CHALLENGE_LIFE - 1));
	}
	/* An idle gateway, ticked after a long pause, keeps only now's. */
	assert_int_equal(proto_gateway_tick(&gw, 5000, WALL + 5000), 0);
	live = 0;
	for (size_t i = 0; i < PROTO_SLOTS; i++)
		live += gw.slot[i].n != 0;
	assert_int_equal(live, 1);
	proto_gateway_finish(&gw);
}

/* Only the gateway certifies a slot key: a CHALLENGE made by anyone else
 * who knows G (and so its MACs) is not taken. */
static void test_slot_certificate(void **state)
{
	static struct proto_gateway gw, other;
	uint8_t act[KEY_LEN], hello[PROTO_HELLO_LEN], ch[PROTO_CHALLENGE_LEN], addr[18];
	struct proto_target t = {.kind = PROTO_TARGET_NAME, .name = "laptop"};
	struct proto_client c;
	struct proto_reply rep;
	int code;

	addr_of(addr);
	key_generate_private(act);
	assert_int_equal(proto_gateway_init(&gw, act), 0);
	assert_int_equal(proto_gateway_tick(&gw, 100, WALL), 0);
	key_generate_private(act);
	assert_int_equal(proto_gateway_init(&other, act), 0);
	assert_int_equal(proto_gateway_tick(&other, 100, WALL), 0);
	assert_int_equal(proto_client_begin(&c, gw.key[0].pk, PROTO_OP_STATUS, &t, hello), 0);
	assert_int_equal(proto_gw_challenge(&gw, 0, ch, hello, 100, addr), 0);
	/* Every byte of the slot key, its time, the Edwards point and the
	 * signature counts, MACs made right again. */
	for (size_t i = 68; i < 204; i++) {
		ch[i] ^= 0x01;
		proto_macs_set(ch, sizeof(ch), &gw.key[0].macs);
		assert_int_equal(proto_client_receive(&c, ch, sizeof(ch), &code, &rep), -EBADMSG);
		ch[i] ^= 0x01;
	}
	/* Another gateway's slot key and certificate, with our MACs. */
	assert_int_equal(proto_gw_challenge(&other, 0, ch, hello, 100, addr), 0);
	proto_macs_set(ch, sizeof(ch), &gw.key[0].macs);
	assert_int_equal(proto_client_receive(&c, ch, sizeof(ch), &code, &rep), -EBADMSG);
	assert_int_equal(proto_gw_challenge(&gw, 0, ch, hello, 100, addr), 0);
	assert_int_equal(proto_client_receive(&c, ch, sizeof(ch), &code, &rep), PROTO_CHALLENGE);
	/* No slot key for now: no challenge (tick first). */
	assert_int_equal(proto_gw_challenge(&gw, 0, ch, hello, 100 + 10 * PROTO_SLOT_LEN, addr),
			 -ENOKEY);
	proto_client_finish(&c);
	proto_gateway_finish(&gw);
	proto_gateway_finish(&other);
}

/* A rotation: the old key works during its grace and its replies can tell
 * the new one; retired, its users hear KEY_ROTATED; the new key works. */
static void test_rotation(void **state)
{
	static struct proto_gateway gw;
	uint8_t old_sk[KEY_LEN], new_sk[KEY_LEN], old_pk[KEY_LEN], hello[PROTO_HELLO_LEN];
	uint8_t err[PROTO_ERROR_LEN];
	struct proto_target t = {.kind = PROTO_TARGET_NAME, .name = "laptop"};
	struct proto_client c;
	struct proto_reply rep;
	struct recording r;
	int code = -1;

	key_generate_private(old_sk);
	key_generate_private(new_sk);
	assert_int_equal(key_public(old_pk, old_sk), 0);
	assert_int_equal(proto_gateway_init(&gw, new_sk), 0);
	/* Slots made before the previous key came get its certificate too. */
	assert_int_equal(proto_gateway_tick(&gw, 100, WALL), 0);
	assert_int_equal(proto_gateway_add_previous(&gw, old_sk), 0);
	assert_int_equal(proto_gateway_add_previous(&gw, old_sk), -EINVAL);
	record(&gw, old_pk, 100, &r);
	assert_int_equal(r.key, 1);
	record(&gw, gw.key[0].pk, 100, &r);
	assert_int_equal(r.key, 0);

	proto_gateway_retire(&gw);
	assert_int_equal(gw.n_keys, 1);
	assert_true(gw.has_retired);
	assert_null(memmem(&gw, sizeof(gw), old_sk + 1, KEY_LEN - 2));
	assert_int_equal(proto_client_begin(&c, old_pk, PROTO_OP_STATUS, &t, hello), 0);
	assert_int_equal(proto_gw_key_of(&gw, hello, sizeof(hello)), PROTO_KEY_RETIRED);
	proto_gw_error(&gw, PROTO_KEY_RETIRED, err, hello, PROTO_ERR_KEY_ROTATED);
	assert_int_equal(proto_client_receive(&c, err, sizeof(err), &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_KEY_ROTATED);
	proto_client_finish(&c);
	/* Garbage under no key at all. */
	hello[100] ^= 1;
	assert_int_equal(proto_gw_key_of(&gw, hello, sizeof(hello)), -EBADMSG);
	hello[5] ^= 1;
	assert_int_equal(proto_gw_key_of(&gw, hello, sizeof(hello)), -ENOKEY);
	record(&gw, gw.key[0].pk, 100, &r);
	proto_gateway_finish(&gw);
}

/* What a gateway of version 2 answers an enroll of version 1, byte for
 * byte as proto_vectors.py has it: its CHALLENGE, then a REPLY of
 * BAD_REQUEST that such a client opens and prints as a version mismatch. */
static void test_version1(void **state)
{
	static struct proto_gateway gw;
	uint8_t v1_sk[KEY_LEN], out[PROTO_REPLY_MAX], addr2[18];
	size_t n = 0;

	proto_v1_activation_key(v1_sk, v1_wg_sk);
	assert_int_equal(proto_gateway_init(&gw, v_act_sk), 0);
	assert_int_equal(proto_gateway_add_previous(&gw, v1_sk), 0);
	assert_memory_equal(gw.key[1].pk, v1_act_pub, KEY_LEN);
	memcpy(gw.challenge_secret, v_secret, 32);

	assert_int_equal(proto_v1_packet_type(v1_hello, sizeof(v1_hello)), PROTO_HELLO);
	assert_int_equal(proto_gw_key_of(&gw, v1_hello, sizeof(v1_hello)), 1);
	proto_v1_challenge(&gw, 1, out, v1_hello, V_TIME, v_addr);
	assert_memory_equal(out, v1_challenge, sizeof(v1_challenge));
	assert_true(sizeof(v1_challenge) <= sizeof(v1_hello));

	assert_int_equal(proto_v1_packet_type(v1_request, sizeof(v1_request)), PROTO_REQUEST);
	assert_int_equal(proto_gw_key_of(&gw, v1_request, sizeof(v1_request)), 1);
	assert_int_equal(proto_v1_refuse(&gw, 1, v1_request, V_TIME + 5, v_addr, 1700000002, NULL,
					 NULL, out, &n),
			 0);
	assert_int_equal(n, sizeof(v1_reply));
	assert_memory_equal(out, v1_reply, sizeof(v1_reply));
	/* Its challenge checked as version 1 made it. */
	memcpy(addr2, v_addr, 18);
	addr2[17] ^= 1;
	assert_int_equal(
		proto_v1_refuse(&gw, 1, v1_request, V_TIME + 5, addr2, 1, NULL, NULL, out, &n),
		-ESTALE);
	assert_int_equal(proto_v1_refuse(&gw, 1, v1_request, V_TIME + PROTO_CHALLENGE_LIFE + 1,
					 v_addr, 1, NULL, NULL, out, &n),
			 -ESTALE);
	/* Under the wrong key nothing opens. */
	assert_int_equal(
		proto_v1_refuse(&gw, 0, v1_request, V_TIME + 5, v_addr, 1, NULL, NULL, out, &n),
		-EBADMSG);
	proto_gateway_finish(&gw);
}

/* A gateway of a later version refuses this client in the one packet whose
 * shape every version keeps: the client hears "upgrade enroll". */
static void test_newer_gateway(void **state)
{
	static struct proto_gateway gw;
	uint8_t act[KEY_LEN], hello[PROTO_HELLO_LEN], err[PROTO_ERROR_LEN];
	struct proto_target t = {.kind = PROTO_TARGET_NAME, .name = "laptop"};
	struct proto_client c;
	struct proto_reply rep;
	int code = -1;

	key_generate_private(act);
	assert_int_equal(proto_gateway_init(&gw, act), 0);
	assert_int_equal(proto_client_begin(&c, gw.key[0].pk, PROTO_OP_STATUS, &t, hello), 0);
	proto_gw_error(&gw, 0, err, hello, PROTO_ERR_VERSION);
	err[1] = PROTO_VERSION + 1;
	proto_macs_set(err, sizeof(err), &gw.key[0].macs);
	assert_int_equal(proto_client_receive(&c, err, sizeof(err), &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_VERSION);
	assert_int_equal(c.gw_version, PROTO_VERSION + 1);
	/* Any other code of another version: not for us. */
	err[36] = PROTO_ERR_RATE_LIMITED;
	proto_macs_set(err, sizeof(err), &gw.key[0].macs);
	assert_int_equal(proto_client_receive(&c, err, sizeof(err), &code, &rep), -EBADMSG);
	/* And this gateway's answer to a later client's HELLO. */
	hello[1] = PROTO_VERSION + 1;
	proto_macs_set(hello, sizeof(hello), &c.macs);
	assert_true(proto_packet_is_newer_hello(hello, sizeof(hello)));
	assert_int_equal(proto_gw_key_of(&gw, hello, sizeof(hello)), 0);
	proto_client_finish(&c);
	proto_gateway_finish(&gw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_secrecy),  cmocka_unit_test(test_slot_lives),
		cmocka_unit_test(test_slot_certificate), cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_version1),         cmocka_unit_test(test_newer_gateway),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * The gateway's pipeline (actserver) datagram by datagram, then with the
 * client transport (actclient) over loopback UDP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/actclient.h"
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
};

static int setup(void **state)
{
	static struct fixture f;
	struct actserver_config cfg = {.op = fake_op};
	struct actserver_keys keys = {0};

	memset(&f, 0, sizeof(f));
	key_generate_private(keys.act_sk);
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

static int teardown(void **state)
{
	struct fixture *f = *state;

	actserver_destroy(&f->srv);
	return 0;
}

#define SRC(f) ((const struct sockaddr *)&(f)->src)
#define WALL   1700000000ULL

/* HELLO → CHALLENGE → a REQUEST of the given client time, not yet sent. */
static void make_request(struct fixture *f, struct proto_client *c, uint64_t now_ms,
			 uint64_t client_time, uint8_t req_pkt[PROTO_REQUEST_LEN])
{
	uint8_t hello[PROTO_HELLO_LEN], out[PROTO_REPLY_MAX];
	struct proto_request req = {.client_time = client_time};
	struct proto_reply rep;
	size_t n;
	int code;

	assert_int_equal(proto_client_begin(c, actserver_public_key(f->srv), PROTO_OP_STATUS,
					    &f->self, hello),
			 0);
	actserver_packet(f->srv, hello, sizeof(hello), SRC(f), now_ms, WALL, out, &n);
	assert_int_equal(n, PROTO_CHALLENGE_LEN);
	assert_int_equal(proto_client_receive(c, out, n, &code, &rep), PROTO_CHALLENGE);
	assert_int_equal(proto_client_request(c, f->dev_sk, &req, req_pkt), 0);
}

static void test_garbage(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX];
	struct proto_macs m;
	size_t n = 99;

	proto_macs_init(&m, actserver_public_key(f->srv));
	randombytes_buf(pkt, sizeof(pkt));
	pkt[1] = 0; /* no version of ours */
	actserver_packet(f->srv, pkt, sizeof(pkt), SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, 0);
	/* Framed right, blind: ends at mac0 (made wrong for sure here). */
	pkt[0] = PROTO_REQUEST;
	pkt[1] = PROTO_VERSION;
	proto_mac0_set(pkt, sizeof(pkt), &m);
	pkt[2] ^= 1;
	actserver_packet(f->srv, pkt, sizeof(pkt), SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, 0);
	/* Right mac0, wrong mac1: someone who knows the key, or a copied
	 * header. */
	pkt[2] ^= 1;
	actserver_packet(f->srv, pkt, sizeof(pkt), SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, 0);
	pkt[0] = PROTO_REPLY; /* a type we do not receive */
	actserver_packet(f->srv, pkt, 200, SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(actserver_stats(f->srv)->drop_malformed, 2);
	assert_int_equal(actserver_stats(f->srv)->drop_mac0, 1);
	assert_int_equal(actserver_stats(f->srv)->drop_mac1, 1);
	assert_int_equal(op_calls, 0);
}

static void test_request_and_retransmit(void **state)
{
	struct fixture *f = *state;
	uint8_t req[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX], out2[PROTO_REPLY_MAX];
	struct proto_request other = {.client_time = WALL + 1};
	struct proto_client c;
	struct proto_reply rep;
	size_t n, n2;
	int code;

	make_request(f, &c, 5000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_true(n > 0 && n <= sizeof(req));
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_OK);
	assert_int_equal(rep.seconds_left, 36000);
	assert_int_equal(op_calls, 1);
	/* The same bytes: the same answer, the operation is not run again. */
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 7000, WALL, out2, &n2);
	assert_int_equal(n2, n);
	assert_memory_equal(out, out2, n);
	assert_int_equal(op_calls, 1);
	assert_int_equal(actserver_stats(f->srv)->retransmits, 1);
	/* Other bytes with the same challenge: a replay. */
	c.sent = false;
	assert_int_equal(proto_client_request(&c, f->dev_sk, &other, req), 0);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 8000, WALL, out, &n);
	assert_int_equal(n, PROTO_ERROR_LEN);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_REPLAYED);
	assert_int_equal(op_calls, 1);
	assert_int_equal(actserver_stats(f->srv)->drop_replay, 1);
	proto_client_finish(&c);
}

static void test_challenge_refusals(void **state)
{
	struct fixture *f = *state;
	uint8_t req[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX];
	struct sockaddr_in other = f->src;
	struct proto_client c;
	struct proto_reply rep;
	size_t n;
	int code;

	make_request(f, &c, 5000, WALL, req);
	/* From another address (spoofed, or NAT rebinding). */
	other.sin_port = htons(40001);
	actserver_packet(f->srv, req, sizeof(req), (struct sockaddr *)&other, 6000, WALL, out, &n);
	assert_int_equal(n, PROTO_ERROR_LEN);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_CHALLENGE_BAD);
	/* Too late. */
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 5000 + 121000, WALL, out, &n);
	assert_int_equal(n, PROTO_ERROR_LEN);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_ERROR);
	assert_int_equal(code, PROTO_ERR_CHALLENGE_EXPIRED);
	/* Undecryptable (the tag and mac1 are fine): dropped without a word. */
	req[500] ^= 1;
	proto_macs_set(req, sizeof(req), &c.macs);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(actserver_stats(f->srv)->drop_decrypt, 1);
	assert_int_equal(actserver_stats(f->srv)->drop_challenge, 2);
	assert_int_equal(op_calls, 0);
	proto_client_finish(&c);
}

static void test_clock_skew_and_internal(void **state)
{
	struct fixture *f = *state;
	uint8_t req[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX];
	struct proto_client c;
	struct proto_reply rep;
	size_t n;
	int code;

	make_request(f, &c, 5000, WALL - 601, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_ERR_CLOCK_SKEW);
	assert_int_equal(rep.skew, -601);
	assert_int_equal(op_calls, 0);
	proto_client_finish(&c);

	op_result = -EIO;
	make_request(f, &c, 5000, WALL + 599, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_ERR_INTERNAL);
	assert_int_equal(op_calls, 1);
	proto_client_finish(&c);

	/* The encoder takes any code below 64 (for newer gateways), but this
	 * one sends only what it knows, and counts it. */
	op_result = PROTO_ERR_WIRE_MAX + 1;
	make_request(f, &c, 5000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_ERR_INTERNAL);
	assert_int_equal(actserver_stats(f->srv)->replies[PROTO_ERR_INTERNAL], 2);
	proto_client_finish(&c);
	op_result = PROTO_ERR_KEY_LOCKED;
	make_request(f, &c, 5000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 6000, WALL, out, &n);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_ERR_KEY_LOCKED);
	assert_int_equal(actserver_stats(f->srv)->replies[PROTO_ERR_KEY_LOCKED], 1);
	proto_client_finish(&c);
}

static void test_rate_limit(void **state)
{
	struct fixture *f = *state;
	uint8_t hello[PROTO_HELLO_LEN], out[PROTO_REPLY_MAX];
	struct proto_client c;
	int answered = 0, notices = 0;
	size_t n;

	assert_int_equal(proto_client_begin(&c, actserver_public_key(f->srv), PROTO_OP_STATUS,
					    &f->self, hello),
			 0);
	for (int i = 0; i < 100; i++) {
		actserver_packet(f->srv, hello, sizeof(hello), SRC(f), 1000, WALL, out, &n);
		assert_true(n <= sizeof(hello));
		answered += n == PROTO_CHALLENGE_LEN;
		notices += n == PROTO_ERROR_LEN;
	}
	assert_int_equal(answered, 20);
	assert_int_equal(notices, 1);
	assert_int_equal(actserver_stats(f->srv)->drop_rate, 80);
	proto_client_finish(&c);
}

/* A source past half its own burst gets no token from the global budget's
 * lower half: that half is there for a quiet source, whose request goes
 * through where the noisy one's was refused. */
static void test_global_keeps_room(void **state)
{
	struct fixture *f = *state;
	struct actserver_config cfg = {.op = fake_op, .global_burst = 4, .global_per_sec = 1};
	struct actserver_keys keys = {0};
	struct sockaddr_in quiet = f->src;
	uint8_t hello[PROTO_HELLO_LEN], req[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX];
	struct proto_client c;
	size_t n;

	actserver_destroy(&f->srv);
	key_generate_private(keys.act_sk);
	assert_int_equal(actserver_create(&f->srv, &keys, &cfg), 0);
	inet_pton(AF_INET, "192.0.2.99", &f->src.sin_addr); /* the noisy one */
	assert_int_equal(proto_client_begin(&c, actserver_public_key(f->srv), PROTO_OP_STATUS,
					    &f->self, hello),
			 0);
	for (int i = 0; i < 14; i++) /* 6 of its 20 tokens left */
		actserver_packet(f->srv, hello, sizeof(hello), SRC(f), 1000, WALL, out, &n);
	proto_client_finish(&c);
	for (int i = 0; i < 3; i++) {
		make_request(f, &c, 1000, WALL, req);
		actserver_packet(f->srv, req, sizeof(req), SRC(f), 1000, WALL, out, &n);
		if (i < 2)
			assert_true(n > PROTO_ERROR_LEN); /* sealed replies */
		else
			assert_int_equal(n, PROTO_ERROR_LEN);
		proto_client_finish(&c);
	}
	assert_int_equal(actserver_stats(f->srv)->drop_global, 1);
	f->src = quiet;
	make_request(f, &c, 1000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 1000, WALL, out, &n);
	assert_true(n > PROTO_ERROR_LEN);
	assert_int_equal(actserver_stats(f->srv)->requests, 3);
	proto_client_finish(&c);
}

/* --- over loopback --- */

struct server_thread {
	struct actserver *srv;
	int fd;
	int stop_after;
};

static void *serve(void *arg)
{
	struct server_thread *t = arg;
	uint8_t buf[2048], out[PROTO_REPLY_MAX];
	struct sockaddr_storage ss;

	for (int i = 0; i < t->stop_after; i++) {
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(t->fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		struct timespec ts;
		size_t olen;

		if (n < 0)
			break;
		clock_gettime(CLOCK_BOOTTIME, &ts);
		actserver_packet(t->srv, buf, (size_t)n, (struct sockaddr *)&ss,
				 (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000,
				 (uint64_t)time(NULL), out, &olen);
		if (olen > 0)
			sendto(t->fd, out, olen, 0, (struct sockaddr *)&ss, sl);
	}
	return NULL;
}

static int bind_loopback(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;
	struct server_thread t = {.srv = f->srv, .stop_after = 2};
	struct actclient_opts o = {.host = "127.0.0.1", .timeout_ms = 2000, .tries = 2};
	struct proto_target name = {.kind = PROTO_TARGET_NAME, .name = "phone"};
	struct proto_reply rep;
	char err[ERR_LEN];
	pthread_t th;
	int fd;

	fd = bind_loopback(&o.port);
	t.fd = fd;
	pthread_create(&th, NULL, serve, &t);
	assert_int_equal(actclient_run(&o, actserver_public_key(f->srv), PROTO_OP_STATUS, &f->self,
				       f->dev_sk, NULL, NULL, &rep, err),
			 PROTO_OK);
	pthread_join(th, NULL);
	assert_int_equal(rep.status, PROTO_OK);
	assert_true(rep.fields & PROTO_REP_PSK);

	/* Nobody answers: NO_ANSWER after the tries. */
	o.timeout_ms = 100;
	assert_int_equal(actclient_run(&o, actserver_public_key(f->srv), PROTO_OP_STATUS, &name,
				       NULL, NULL, NULL, &rep, err),
			 PROTO_ERR_NO_ANSWER);
	assert_string_equal(err, "the gateway is not answering (after 2 tries)");
	close(fd);
}

static int submitted_slot = -1;

static int fake_submit(void *arg, const struct proto_opened *o, const struct sockaddr *src,
		       unsigned slot)
{
	op_calls++;
	submitted_slot = (int)slot;
	return op_result;
}

/* The child's way: the operation is asked for without waiting, nothing
 * goes out until its answer, a retransmission meanwhile is dropped
 * quietly (not refused as a replay), and the answer is sealed to the
 * request's source; then the retransmission gets the same reply. */
static void test_pending(void **state)
{
	struct fixture *f = *state;
	struct actserver_config cfg = {.submit = fake_submit};
	struct actserver_keys keys = {0};
	struct proto_client c;
	struct proto_reply rep = {.status = PROTO_OK, .fields = PROTO_REP_STATE, .state = 1};
	uint8_t req[PROTO_REQUEST_LEN], out[PROTO_REPLY_MAX], again[PROTO_REPLY_MAX];
	struct sockaddr_storage dst;
	socklen_t dstlen;
	size_t n = 99, n2 = 0;
	int code;

	actserver_destroy(&f->srv);
	key_generate_private(keys.act_sk);
	assert_int_equal(actserver_create(&f->srv, &keys, &cfg), 0);
	make_request(f, &c, 1000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 1000, WALL, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(op_calls, 1);
	assert_true(submitted_slot >= 0 && submitted_slot < ACTSERVER_PENDING);
	n = 99;
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 1100, WALL, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(actserver_stats(f->srv)->drop_replay, 0);
	assert_int_equal(actserver_answer(f->srv, (unsigned)submitted_slot, &rep, 1200, out, &n,
					  &dst, &dstlen),
			 0);
	assert_true(n > 0);
	assert_int_equal(dstlen, sizeof(struct sockaddr_in));
	assert_memory_equal(&((struct sockaddr_in *)&dst)->sin_addr, &f->src.sin_addr, 4);
	assert_int_equal(((struct sockaddr_in *)&dst)->sin_port, f->src.sin_port);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_OK);
	/* The slot is free again, and the reply is in the ring. */
	assert_int_equal(actserver_answer(f->srv, (unsigned)submitted_slot, &rep, 1200, again, &n2,
					  &dst, &dstlen),
			 -ENOENT);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 1300, WALL, again, &n2);
	assert_int_equal(n2, n);
	assert_memory_equal(again, out, n);
	/* No answer in time: the caller says so, and the client hears
	 * INTERNAL. */
	make_request(f, &c, 2000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 2000, WALL, out, &n);
	assert_int_equal(n, 0);
	assert_int_equal(actserver_answer(f->srv, (unsigned)submitted_slot, NULL, 7000, out, &n,
					  &dst, &dstlen),
			 0);
	assert_int_equal(proto_client_receive(&c, out, n, &code, &rep), PROTO_REPLY);
	assert_int_equal(rep.status, PROTO_ERR_INTERNAL);
	/* Every slot waiting: busy, and one more is refused before its
	 * X25519; an answer frees a slot. */
	for (int i = 0; i < ACTSERVER_PENDING; i++) {
		f->src.sin_addr.s_addr = htonl(0xc6336400 + (uint32_t)i); /* 198.51.100.i */
		assert_false(actserver_busy(f->srv));
		make_request(f, &c, 3000, WALL, req);
		actserver_packet(f->srv, req, sizeof(req), SRC(f), 3000, WALL, out, &n);
		assert_int_equal(n, 0);
	}
	assert_true(actserver_busy(f->srv));
	make_request(f, &c, 3000, WALL, req);
	actserver_packet(f->srv, req, sizeof(req), SRC(f), 3000, WALL, out, &n);
	assert_int_equal(actserver_stats(f->srv)->drop_busy, 1);
	assert_int_equal(actserver_answer(f->srv, 5, NULL, 3100, out, &n, &dst, &dstlen), 0);
	assert_false(actserver_busy(f->srv));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_and_retransmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_challenge_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew_and_internal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_keeps_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending, setup, teardown),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

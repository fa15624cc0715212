/* SPDX-License-Identifier: ISC */
/*
 * The client transport (actclient) against a gateway that only ever says
 * RATE_LIMITED, over loopback UDP.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/actclient.h"

#define MAX_SEEN 8

/* Answers every packet RATE_LIMITED, noting when each came. */
struct busy_gateway {
	struct proto_gateway gw;
	int fd, n, want; /* stops after want packets, or 3 s of silence */
	int64_t at_ms[MAX_SEEN];
};

static void *serve_busy(void *arg)
{
	struct busy_gateway *b = arg;
	uint8_t buf[2048], out[PROTO_ERROR_LEN];
	struct sockaddr_storage ss;

	while (b->n < b->want && b->n < MAX_SEEN) {
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(b->fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		struct timespec ts;

		if (n < PROTO_HELLO_LEN)
			break; /* the receive timeout: the client gave up early */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		b->at_ms[b->n++] = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		proto_gw_error(&b->gw, 0, out, buf, PROTO_ERR_RATE_LIMITED);
		sendto(b->fd, out, sizeof(out), 0, (struct sockaddr *)&ss, sl);
	}
	return NULL;
}

/* RATE_LIMITED is advice to wait: the client tries again after a pause
 * shorter than a try, not at once (its tries spent within a millisecond
 * on an empty bucket, or on a forger's ERRORs), and then says why. */
static void test_rate_limited_backoff(void **state)
{
	struct busy_gateway b = {.want = 3};
	struct actclient_opts o = {.host = "127.0.0.1", .timeout_ms = 400};
	struct proto_target name = {.kind = PROTO_TARGET_NAME, .name = "phone"};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 3};
	socklen_t al = sizeof(a);
	uint8_t sk[KEY_LEN];
	struct proto_reply rep;
	char err[ERR_LEN];
	pthread_t th;

	(void)state;
	o.tries = b.want;
	key_generate_private(sk);
	assert_int_equal(proto_gateway_init(&b.gw, sk), 0);
	b.fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(b.fd >= 0);
	assert_int_equal(bind(b.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(b.fd, (struct sockaddr *)&a, &al), 0);
	o.port = ntohs(a.sin_port);
	assert_int_equal(setsockopt(b.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	pthread_create(&th, NULL, serve_busy, &b);
	assert_int_equal(actclient_run(&o, b.gw.key[0].pk, PROTO_OP_STATUS, &name, NULL, NULL, NULL,
				       &rep, err),
			 PROTO_ERR_RATE_LIMITED);
	pthread_join(th, NULL);
	assert_int_equal(b.n, o.tries);
	for (int i = 1; i < b.n; i++) {
		int64_t gap = b.at_ms[i] - b.at_ms[i - 1];

		if (gap < o.timeout_ms / 4 || gap > o.timeout_ms * 3 / 4 + 50)
			fail_msg("try %d came %lld ms after the one before", i + 1, (long long)gap);
	}
	close(b.fd);
	sodium_memzero(sk, sizeof(sk));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_limited_backoff),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * kg-flood: a bounded flood of bad activation packets, for tests only.
 *   kg-flood URI SECONDS RATE [SOURCES]
 * sends RATE datagrams a second for SECONDS to 127.0.0.1 at the URI's
 * port, from SOURCES loopback addresses 127.1.x.y (so that per-source
 * limits are not all it meets), cycling through: random bytes of any
 * length; right framing, random rest; a valid HELLO with one byte flipped;
 * a mutated HELLO with its MACs made right (it knows the gateway's key,
 * as anyone with an enrollment URI does); a REQUEST with right MACs and a
 * made-up challenge; and, for every CHALLENGE that comes back, a REQUEST
 * (STATUS) that decrypts but names no peer, or the same with its ciphertext
 * mutated and its MACs made right again. Prints "sent N replies M".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_uri.h"

#define MAX_SOURCES 256

struct src {
	int fd;
	struct proto_client c;
	bool waiting;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int source_open(int i, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET}, d = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(0x7f010000U | (uint32_t)(i + 1));
	d.sin_addr.s_addr = htonl(0x7f000001U);
	d.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    connect(fd, (struct sockaddr *)&d, sizeof(d)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void random_target(struct proto_target *t)
{
	t->kind = PROTO_TARGET_KEY;
	randombytes_buf(t->key, KEY_LEN);
}

/* One datagram of the kind k from s; its length. */
static size_t make(struct src *s, unsigned k, const struct proto_uri *u, const struct proto_macs *m,
		   uint8_t *pkt)
{
	struct proto_target t = {0};
	struct proto_request req;
	size_t len;

	switch (k % 5) {
	case 0:
		len = randombytes_uniform(PROTO_REQUEST_LEN + 64);
		randombytes_buf(pkt, len);
		return len;
	case 1:
		len = k % 2 ? PROTO_HELLO_LEN : PROTO_REQUEST_LEN;
		randombytes_buf(pkt, len);
		pkt[0] = k % 2 ? PROTO_HELLO : PROTO_REQUEST;
		pkt[1] = PROTO_VERSION;
		pkt[2] = pkt[3] = 0;
		return len;
	case 2:
	case 3:
		random_target(&t);
		proto_client_finish(&s->c);
		proto_client_begin(&s->c, u->gw_pub, PROTO_OP_STATUS, &t, pkt);
		/* Every other HELLO with MACs made right goes unmutated: its
		 * CHALLENGE arms the valid REQUEST of case 4. */
		if (k % 5 == 3 && k % 2 == 0)
			return PROTO_HELLO_LEN;
		pkt[4 + randombytes_uniform(PROTO_HELLO_LEN - 4)] ^=
			(uint8_t)(1 + randombytes_uniform(255));
		if (k % 5 == 3)
			proto_macs_set(pkt, PROTO_HELLO_LEN, m);
		return PROTO_HELLO_LEN;
	default:
		if (s->c.have_challenge && !s->c.sent) {
			memset(&req, 0, sizeof(req));
			req.client_time = (uint64_t)time(NULL);
			if (proto_client_request(&s->c, NULL, &req, pkt) == 0) {
				if (k % 4 == 0) {
					pkt[PROTO_REQUEST_LEN - 40 - randombytes_uniform(200)] ^=
						0x5a;
					proto_macs_set(pkt, PROTO_REQUEST_LEN, m);
				}
				return PROTO_REQUEST_LEN;
			}
		}
		randombytes_buf(pkt, PROTO_REQUEST_LEN);
		pkt[0] = PROTO_REQUEST;
		pkt[1] = PROTO_VERSION;
		pkt[2] = pkt[3] = 0;
		proto_macs_set(pkt, PROTO_REQUEST_LEN, m);
		return PROTO_REQUEST_LEN;
	}
}

/* Answers: CHALLENGEs arm the next valid REQUEST of that source. */
static unsigned drain(struct src *s)
{
	uint8_t buf[PROTO_REQUEST_LEN + 64];
	struct proto_reply rep;
	unsigned n = 0;
	ssize_t r;
	int code;

	while ((r = recv(s->fd, buf, sizeof(buf), 0)) > 0) {
		n++;
		proto_client_receive(&s->c, buf, (size_t)r, &code, &rep);
		sodium_memzero(&rep, sizeof(rep));
	}
	return n;
}

int main(int argc, char **argv)
{
	static struct src srcs[MAX_SOURCES];
	uint8_t pkt[PROTO_REQUEST_LEN + 64];
	struct proto_uri u;
	struct proto_macs m;
	char why[ERR_LEN];
	unsigned long seconds, rate, nsrc = 64, sent = 0, replies = 0, k = 0;
	uint64_t start, end;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: kg-flood URI SECONDS RATE [SOURCES]\n");
		return 2;
	}
	if (sodium_init() < 0 || proto_uri_parse(&u, argv[1], why) < 0) {
		fprintf(stderr, "kg-flood: bad URI\n");
		return 2;
	}
	seconds = strtoul(argv[2], NULL, 10);
	rate = strtoul(argv[3], NULL, 10);
	if (argc == 5)
		nsrc = strtoul(argv[4], NULL, 10);
	if (seconds == 0 || rate == 0 || nsrc == 0 || nsrc > MAX_SOURCES) {
		fprintf(stderr, "kg-flood: SECONDS and RATE above 0, SOURCES 1-%d\n", MAX_SOURCES);
		return 2;
	}
	proto_macs_init(&m, u.gw_pub);
	for (unsigned long i = 0; i < nsrc; i++)
		if ((srcs[i].fd = source_open((int)i, u.port)) < 0) {
			fprintf(stderr, "kg-flood: cannot bind 127.1.0.%lu: %s\n", i + 1,
				strerror(errno));
			return 1;
		}
	start = now_ns();
	end = start + seconds * 1000000000ULL;
	/* Paced in 10 ms ticks: a bounded count, never a burst that only
	 * measures the kernel's queues. */
	for (uint64_t tick = start; tick < end; tick += 10000000ULL) {
		unsigned long due =
			(unsigned long)((tick - start + 10000000ULL) / 1000 * rate / 1000000);
		uint64_t t;

		while (sent < due) {
			struct src *s = &srcs[k % nsrc];
			size_t len = make(s, (unsigned)(k / nsrc), &u, &m, pkt);

			if (send(s->fd, pkt, len, 0) == (ssize_t)len)
				sent++;
			else if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED)
				break;
			k++;
		}
		for (unsigned long i = 0; i < nsrc; i++)
			replies += drain(&srcs[i]);
		t = now_ns();
		if (t < tick + 10000000ULL) {
			struct timespec ts = {0, (long)(tick + 10000000ULL - t)};

			nanosleep(&ts, NULL);
		}
	}
	usleep(200000);
	for (unsigned long i = 0; i < nsrc; i++)
		replies += drain(&srcs[i]);
	printf("sent %lu replies %lu\n", sent, replies);
	return 0;
}

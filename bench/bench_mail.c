/* SPDX-License-Identifier: ISC */
/*
 * Mail login decisions through the real Dovecot policy endpoint of a
 * running vpnd (bench/mail.sh starts it): C keep-alive HTTP/1.1 clients,
 * each with one request in flight, POST /?command=allow as Dovecot sends
 * it, for N owners whose sessions are open at 10.77.0.2 ... (every tenth
 * request a login of the next owner's, which must be refused). Prints the
 * decisions a second and the p50 and p99 of a decision's round trip, the
 * medians of several rounds, and beside them the bare table lookup
 * (mailmsg_decide) in this process, the floor the endpoint is held to.
 * Targets: >= 20,000 decisions a second, p99 < 2 ms.
 *
 *   bench-mail [--quick] HOST PORT OWNERS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "common/mailmsg.h"

#define CONNS_MAX 64

struct conn {
	int fd;
	unsigned i; /* the request in flight */
	bool refuse;
	double sent;
	char buf[4096];
	size_t len;
};

struct run {
	struct sockaddr_in to;
	unsigned owners, next;
	double *lat;
	size_t n_lat, cap_lat;
	unsigned wrong;
};

static void request(struct run *r, struct conn *c)
{
	char body[160], req[512];
	unsigned i = r->next++, o = i % r->owners;
	int bn, n;

	c->i = i;
	c->refuse = i % 10 == 9;
	bn = snprintf(body, sizeof(body),
		      "{\"device_id\":\"\",\"login\":\"owner%u@example.org\",\"protocol\":\"imap\","
		      "\"pwhash\":\"0712\",\"remote\":\"10.77.%u.%u\",\"session_id\":\"s%u\","
		      "\"tls\":true}",
		      c->refuse ? (o + 1) % r->owners : o, (2 + o) / 256, (2 + o) % 256, i);
	n = snprintf(req, sizeof(req),
		     "POST /?command=allow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		     bn, body);
	c->sent = bench_now_s();
	if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		perror("bench-mail: send");
		exit(1);
	}
	c->len = 0;
}

/* A whole response in c->buf: its length, or 0 for not yet. */
static size_t response(const struct conn *c)
{
	const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4), *cl;
	size_t head;

	if (end == NULL)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	cl = memmem(c->buf, head, "Content-Length: ", 16);
	if (cl == NULL)
		cl = memmem(c->buf, head, "content-length: ", 16);
	if (cl == NULL)
		return 0;
	return head + strtoul(cl + 16, NULL, 10) <= c->len ? head + strtoul(cl + 16, NULL, 10) : 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void one_round(struct run *r, unsigned conns, double seconds, double *rate, double *p50,
		      double *p99)
{
	struct conn *c = calloc(conns, sizeof(*c));
	struct pollfd p[CONNS_MAX];
	double start, end;
	unsigned done = 0;

	r->n_lat = 0;
	for (unsigned i = 0; i < conns; i++) {
		int one = 1;

		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(c[i].fd, (struct sockaddr *)&r->to, sizeof(r->to)) < 0) {
			perror("bench-mail: connect");
			exit(1);
		}
		p[i] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
	}
	start = bench_now_s();
	end = start + seconds;
	for (unsigned i = 0; i < conns; i++)
		request(r, &c[i]);
	while (bench_now_s() < end) {
		if (poll(p, conns, 1000) <= 0)
			continue;
		for (unsigned i = 0; i < conns; i++) {
			ssize_t n;
			size_t whole;

			if (p[i].revents == 0)
				continue;
			n = recv(c[i].fd, c[i].buf + c[i].len, sizeof(c[i].buf) - c[i].len, 0);
			if (n <= 0) {
				fprintf(stderr, "bench-mail: the server closed a connection\n");
				exit(1);
			}
			c[i].len += (size_t)n;
			if ((whole = response(&c[i])) == 0)
				continue;
			if (r->n_lat == r->cap_lat) {
				r->cap_lat = r->cap_lat ? r->cap_lat * 2 : 65536;
				r->lat = realloc(r->lat, r->cap_lat * sizeof(*r->lat));
			}
			r->lat[r->n_lat++] = bench_now_s() - c[i].sent;
			if ((memmem(c[i].buf, whole, "\"status\":-1", 11) != NULL) != c[i].refuse)
				r->wrong++;
			done++;
			request(r, &c[i]);
		}
	}
	*rate = done / (bench_now_s() - start);
	qsort(r->lat, r->n_lat, sizeof(*r->lat), cmp);
	*p50 = r->n_lat ? r->lat[r->n_lat / 2] * 1e3 : 0;
	*p99 = r->n_lat ? r->lat[r->n_lat * 99 / 100] * 1e3 : 0;
	for (unsigned i = 0; i < conns; i++)
		close(c[i].fd);
	free(c);
}

/* The same decisions without HTTP: the table in this process. */
static double bare_lookups(unsigned owners, double seconds)
{
	uint8_t *buf = malloc(MAILMSG_TABLE_MAX);
	struct mailmsg_table t;
	struct mailmsg_enc e;
	unsigned long n = 0;
	double start;
	volatile unsigned sink = 0;

	mailmsg_enc_start(&e, buf, MAILMSG_TABLE_MAX, NULL, 0);
	for (unsigned o = 0; o < owners; o++) {
		char a[24], l1[40], l2[64];
		const char *logins[2] = {l1, l2};
		struct ipaddr net;

		snprintf(a, sizeof(a), "10.77.%u.%u", (2 + o) / 256, (2 + o) % 256);
		snprintf(l1, sizeof(l1), "owner%u", o);
		snprintf(l2, sizeof(l2), "owner%u@example.org", o);
		ipaddr_parse(&net, a, false);
		mailmsg_enc_entry(&e, &net, l1, logins, 2);
	}
	if (mailmsg_decode_table(&t, buf, mailmsg_enc_finish(&e)) < 0)
		exit(1);
	start = bench_now_s();
	while (bench_now_s() - start < seconds) {
		for (int k = 0; k < 1000; k++, n++) {
			unsigned o = n % owners;
			char a[24], l[64];
			struct ipaddr addr;
			const char *owner;
			size_t ol;

			snprintf(a, sizeof(a), "10.77.%u.%u", (2 + o) / 256, (2 + o) % 256);
			snprintf(l, sizeof(l), "owner%u@example.org",
				 n % 10 == 9 ? (o + 1) % owners : o);
			mailmsg_parse_addr(&addr, a, strlen(a));
			sink += mailmsg_decide(&t, &addr, l, strlen(l), &owner, &ol);
		}
	}
	(void)sink;
	mailmsg_table_free(&t);
	free(buf);
	return n / (bench_now_s() - start);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct run r = {.to = {.sin_family = AF_INET}};
	bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	int rounds = quick ? 3 : 7;
	unsigned conns = 8;
	double seconds = quick ? 1 : 3, rate[7], p50[7], p99[7], bare, mr, m99;

	argv += quick;
	argc -= quick;
	if (argc != 4 || inet_pton(AF_INET, argv[1], &r.to.sin_addr) != 1 ||
	    (r.owners = (unsigned)atoi(argv[3])) == 0) {
		fprintf(stderr, "usage: bench-mail [--quick] HOST PORT OWNERS\n");
		return 2;
	}
	r.to.sin_port = htons((uint16_t)atoi(argv[2]));
	for (int i = 0; i < rounds; i++)
		one_round(&r, conns, seconds, &rate[i], &p50[i], &p99[i]);
	bare = bare_lookups(r.owners, seconds);
	mr = median(rate, rounds);
	m99 = median(p99, rounds);
	printf("%-58s %10.0f /s  target >= 20000: %s\n",
	       "Dovecot policy decisions through HTTP (median)", mr,
	       mr >= 20000 ? "met" : "MISSED");
	printf("%-58s %10.3f ms\n", "a decision's round trip, p50 (median)", median(p50, rounds));
	printf("%-58s %10.3f ms  target < 2: %s\n", "a decision's round trip, p99 (median)", m99,
	       m99 < 2 ? "met" : "MISSED");
	printf("%-58s %10.0f /s  (HTTP costs %.0fx)\n", "the bare table lookup, in process", bare,
	       bare / mr);
	if (r.wrong > 0) {
		printf("%u decisions were wrong\n", r.wrong);
		return 1;
	}
	free(r.lat);
	return quick || (mr >= 20000 && m99 < 2) ? 0 : 1;
}

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/actclient.h"
#include "base/log.h"

static int bind_source(int fd, const char *source, int family)
{
	struct addrinfo hints = {.ai_family = family,
				 .ai_socktype = SOCK_DGRAM,
				 .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
	struct addrinfo *res = NULL;
	int r;

	if (source == NULL)
		return 0;
	if (getaddrinfo(source, NULL, &hints, &res) != 0)
		return -EINVAL;
	r = bind(fd, res->ai_addr, res->ai_addrlen) == 0 ? 0 : -errno;
	freeaddrinfo(res);
	return r;
}

static int open_socket(const struct actclient_opts *o, char err[ERR_LEN])
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int fd = -1, r;

	snprintf(port, sizeof(port), "%u", o->port);
	r = getaddrinfo(o->host, port, &hints, &res);
	if (r != 0) {
		text_err(err, "cannot resolve gateway '%s': %s", o->host, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		/* Connected: datagrams from anyone else never reach us. */
		if (bind_source(fd, o->source, ai->ai_family) == 0 &&
		    connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		text_err(err, "cannot reach gateway %s:%u: %s", o->host, o->port, strerror(errno));
		return -EHOSTUNREACH;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A pause before the next try once the gateway said RATE_LIMITED: between
 * a quarter and three quarters of a try, drawn anew each time. Sent again
 * at once, every try would meet the same empty bucket within a
 * millisecond (and a forged ERROR could spend all of them); a pause of
 * the same length for everyone would bring back those turned away
 * together.
 */
static int64_t backoff_ms(const struct actclient_opts *o)
{
	return o->timeout_ms / 4 + (int64_t)randombytes_uniform((uint32_t)o->timeout_ms / 2 + 1);
}

/*
 * Sends pkt and waits for an answer of type want, up to tries times.
 * Returns want, or 0 when none came after all of them; *advice keeps the
 * last plain code.
 */
static int exchange(int fd, const struct actclient_opts *o, struct proto_client *c,
		    const uint8_t *pkt, size_t len, int want, int *advice, struct proto_reply *rep)
{
	uint8_t buf[PROTO_REPLY_MAX + 1];

	for (int t = 0; t < o->tries; t++) {
		int64_t deadline = now_ms() + o->timeout_ms;
		bool paused = false;

		if (send(fd, pkt, len, 0) < 0)
			log_debug("send: %s", strerror(errno)); /* ICMP errors: retry */
		for (;;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int64_t left = deadline - now_ms();
			ssize_t n;
			int type, code = 0;

			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			n = recv(fd, buf, sizeof(buf), 0);
			if (n < 0)
				continue;
			type = proto_client_receive(c, buf, (size_t)n, &code, rep);
			if (type == want)
				return want;
			if (type == PROTO_ERROR) {
				*advice = code;
				/* The gateway has spoken: the next try comes
				 * after a short pause, not a whole try. An
				 * answer to this one still counts meanwhile. */
				if (code == PROTO_ERR_RATE_LIMITED && !paused) {
					paused = true;
					deadline = now_ms() + backoff_ms(o);
				}
			}
		}
	}
	return 0;
}

/*
 * The gateway's slot key was made within the last PROTO_SLOT_LEN seconds
 * by its clock. A certificate much older, by ours, is either a replay of
 * an old one (whose key may have leaked since) or a clock far off: the
 * gateway would refuse the latter anyway (CLOCK_SKEW), so both are
 * refused here, before anything is sent under that key.
 */
static int slot_fresh(const struct proto_client *c, int64_t now, struct proto_reply *rep)
{
	int64_t age = now - (int64_t)c->slot_wall;

	if (age >= -PROTO_MAX_SKEW && age <= PROTO_MAX_SKEW + PROTO_SLOT_LEN)
		return PROTO_OK;
	memset(rep, 0, sizeof(*rep));
	rep->fields = PROTO_REP_SKEW;
	rep->skew = age;
	return PROTO_ERR_CLOCK_SKEW;
}

int actclient_run(const struct actclient_opts *opts, const uint8_t gw_pub[KEY_LEN],
		  enum proto_op op, const struct proto_target *target, const uint8_t *static_sk,
		  actclient_prepare_fn prepare, void *arg, struct proto_reply *rep,
		  char err[ERR_LEN])
{
	struct actclient_opts o = *opts;
	uint8_t hello[PROTO_HELLO_LEN], req_pkt[PROTO_REQUEST_LEN];
	struct proto_request req;
	struct proto_client c;
	int fd, r, advice = 0;

	if (o.timeout_ms <= 0)
		o.timeout_ms = 1000;
	if (o.tries <= 0)
		o.tries = 5;
	memset(&req, 0, sizeof(req));
	err[0] = '\0';
	fd = open_socket(&o, err);
	if (fd < 0)
		return fd;
	r = proto_client_begin(&c, gw_pub, op, target, hello);
	if (r < 0)
		goto fail;
	if (exchange(fd, &o, &c, hello, sizeof(hello), PROTO_CHALLENGE, &advice, rep) == 0) {
		r = advice != 0 ? advice : PROTO_ERR_NO_ANSWER;
		goto fail;
	}
	req.client_time = (uint64_t)time(NULL);
	r = slot_fresh(&c, (int64_t)req.client_time, rep);
	if (r != PROTO_OK)
		goto fail;
	if (prepare != NULL) {
		r = prepare(arg, &c, &req);
		if (r != 0)
			goto fail;
	}
	r = proto_client_request(&c, static_sk, &req, req_pkt);
	if (r < 0)
		goto fail;
	advice = 0;
	if (exchange(fd, &o, &c, req_pkt, sizeof(req_pkt), PROTO_REPLY, &advice, rep) == 0) {
		r = advice != 0 ? advice : PROTO_ERR_NO_ANSWER;
		goto fail;
	}
	r = PROTO_OK;
fail:
	if (r == PROTO_ERR_NO_ANSWER)
		text_err(err, "%s (after %d tries)", proto_strerror(r), o.tries);
	close(fd);
	proto_client_finish(&c);
	sodium_memzero(&req, sizeof(req));
	return r;
}

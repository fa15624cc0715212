/* SPDX-License-Identifier: ISC */
/*
 * vpnd's network child (docs/privsep.md): the only part of vpnd that reads
 * what the internet sends to the activation port. The monitor forks it,
 * gives it its ids and execs it as `vpnd net-child PID` with three fds:
 * the monitor's socket, the bound UDP socket, and an empty directory to
 * chroot into. It gets the activation key in an INIT message, locks itself
 * in (vpnd/sandbox.c) and runs lib/actserver: mac0, mac1, rate limits,
 * challenges, the replay cache, decryption and CBOR all happen here. A
 * request that decrypts goes to the monitor as a flat ACTMSG_OP; the
 * monitor decides and answers, the child seals the answer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "common/actmsg.h"
#include "netchild/actserver.h"
#include "base/clock.h"
#include "base/log.h"
#include "cli.h"
#include "common/sandbox.h"

#define MON_FD        3
#define UDP_FD        4
#define DIR_FD        5
#define OP_TIMEOUT_MS 5000
#define SS_SLOTS      1024

static struct {
	struct actserver *srv;
	uint8_t act_sk[KEY_LEN];
	uint32_t seq;
	/* DH(g, S) of devices whose requests the monitor accepted. */
	struct {
		uint8_t key[KEY_LEN];
		uint8_t ss[32];
		bool used;
	} ss[SS_SLOTS];
	uint8_t last_key[KEY_LEN], last_ss[32];
	uint64_t socket_drops;
} C;

static int ss_cached(void *arg, const uint8_t pub[KEY_LEN], uint8_t ss[32])
{
	size_t i = (size_t)(pub[0] | pub[1] << 8) % SS_SLOTS;

	(void)arg;
	if (C.ss[i].used && sodium_memcmp(C.ss[i].key, pub, KEY_LEN) == 0) {
		memcpy(ss, C.ss[i].ss, 32);
		return 0;
	}
	if (crypto_scalarmult(ss, C.act_sk, pub) != 0)
		return -EINVAL;
	memcpy(C.last_key, pub, KEY_LEN);
	memcpy(C.last_ss, ss, 32);
	return 0;
}

/* Only keys the monitor vouched for are kept: random keys cannot evict. */
static void ss_keep(const uint8_t pub[KEY_LEN])
{
	size_t i = (size_t)(pub[0] | pub[1] << 8) % SS_SLOTS;

	if (sodium_memcmp(C.last_key, pub, KEY_LEN) != 0)
		return;
	memcpy(C.ss[i].key, pub, KEY_LEN);
	memcpy(C.ss[i].ss, C.last_ss, 32);
	C.ss[i].used = true;
}

static _Noreturn void child_exit(int code)
{
	sodium_memzero(&C, sizeof(C));
	_exit(code);
}

/* Blocks for the monitor's answer: the monitor is local and quick, and a
 * child that waits only lets datagrams queue in the socket. */
static int ask_monitor(const struct actmsg_op *op, struct proto_reply *rep)
{
	uint8_t buf[ACTMSG_MAX];
	struct actmsg_result res;
	size_t len;
	uint64_t deadline = clock_boot_ns() / 1000000 + OP_TIMEOUT_MS;

	if (actmsg_encode_op(buf, &len, op) < 0)
		return -EMSGSIZE;
	if (send(MON_FD, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		child_exit(errno == EPIPE ? 0 : 1);
	sodium_memzero(buf, len);
	for (;;) {
		uint64_t now = clock_boot_ns() / 1000000;
		struct pollfd p = {.fd = MON_FD, .events = POLLIN};
		ssize_t n;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		n = recv(MON_FD, buf, sizeof(buf), 0);
		if (n <= 0)
			child_exit(0); /* the monitor is gone: so are we */
		if (actmsg_type(buf, (size_t)n) != ACTMSG_RESULT ||
		    actmsg_decode_result(&res, buf, (size_t)n) < 0 || res.seq != op->seq)
			continue; /* a late answer to a request that timed out */
		sodium_memzero(buf, (size_t)n);
		res.rep.gateway_time = rep->gateway_time;
		*rep = res.rep;
		sodium_memzero(&res, sizeof(res));
		return 0;
	}
}

static int child_op(void *arg, const struct proto_opened *o, const struct sockaddr *src,
		    struct proto_reply *rep)
{
	struct actmsg_op op = {.seq = ++C.seq,
			       .challenge = o->challenge,
			       .has_static = o->has_static,
			       .req = o->req};
	int ret;

	(void)arg;
	proto_addr_bytes(op.src, src);
	memcpy(op.static_pub, o->static_pub, KEY_LEN);
	ret = ask_monitor(&op, rep);
	if (ret == 0 && rep->status == PROTO_OK && o->has_static)
		ss_keep(o->static_pub);
	sodium_memzero(&op, sizeof(op));
	return ret;
}

static void send_stats(void)
{
	uint8_t buf[ACTMSG_MAX];
	struct actserver_stats st = *actserver_stats(C.srv);
	size_t len;

	st.drop_socket = C.socket_drops;
	if (actmsg_encode_stats(buf, &len, &st) == 0)
		send(MON_FD, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* true when the socket is drained */
static bool serve_udp(void)
{
	uint8_t buf[PROTO_REQUEST_LEN + 1], out[PROTO_REPLY_MAX];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(uint32_t))];
	} cm;
	struct sockaddr_storage ss;

	/* A bounded batch per wake-up: the monitor's messages get a turn. */
	for (int i = 0; i < 64; i++) {
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_name = &ss,
				   .msg_namelen = sizeof(ss),
				   .msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = &cm,
				   .msg_controllen = sizeof(cm)};
		ssize_t n = recvmsg(UDP_FD, &m, MSG_DONTWAIT);
		size_t olen = 0;

		if (n < 0)
			return true;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			uint32_t drops;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL)
				continue;
			memcpy(&drops, CMSG_DATA(c), sizeof(drops));
			/* The socket's own running count: it outlives children. */
			if (drops > C.socket_drops)
				C.socket_drops = drops;
		}
		actserver_packet(C.srv, buf, (size_t)n, (struct sockaddr *)&ss,
				 clock_boot_ns() / 1000000, (uint64_t)clock_wall(), out, &olen);
		if (olen > 0)
			sendto(UDP_FD, out, olen, MSG_DONTWAIT, (struct sockaddr *)&ss,
			       m.msg_namelen);
	}
	return false;
}

static int read_init(struct actmsg_init *init)
{
	uint8_t buf[ACTMSG_MAX];
	struct pollfd p = {.fd = MON_FD, .events = POLLIN};
	ssize_t n;
	int ret;

	if (poll(&p, 1, OP_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(MON_FD, buf, sizeof(buf), 0);
	if (n <= 0)
		return -EPIPE;
	ret = actmsg_decode_init(init, buf, (size_t)n);
	sodium_memzero(buf, sizeof(buf));
	return ret;
}

int netchild_main(int argc, char **argv)
{
	struct actmsg_init init;
	struct actserver_config cfg = {.op = child_op, .ss = ss_cached};
	uint8_t buf[ACTMSG_MAX];
	uint64_t last_stats = 0, last_received = UINT64_MAX;
	int one = 1, ret;
	bool chrooted;
	size_t len;
	pid_t monitor;

	log_init("vpnd[net]", log_get_level());
	if (argc != 2 || (monitor = (pid_t)atoi(argv[1])) <= 1 || getppid() != monitor) {
		fprintf(stderr, "vpnd net-child: only vpnd run starts this\n");
		return 2;
	}
	if (getuid() == 0 || geteuid() == 0) {
		log_error("the network child refuses to run as root");
		return 1;
	}
	if ((ret = read_init(&init)) < 0) {
		log_error("no start message from the monitor: %s", strerror(-ret));
		return 1;
	}
	/* Before the sandbox: setsockopt is not on its list. */
	setsockopt(UDP_FD, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if ((ret = sandbox_child_enter(DIR_FD, UDP_FD, &chrooted)) < 0) {
		log_error("cannot enter the sandbox: %s", strerror(-ret));
		return 1;
	}
	/* The sandbox set a death signal for when the monitor goes; if it
	 * went before that, we are an orphan with nobody to answer. */
	if (getppid() != monitor)
		child_exit(0);
	memcpy(C.act_sk, init.act_sk, KEY_LEN);
	cfg.rate_burst = init.rate_burst;
	cfg.rate_per_sec = init.rate_per_sec;
	cfg.global_burst = init.global_burst;
	cfg.global_per_sec = init.global_per_sec;
	ret = actserver_create(&C.srv, init.act_sk, &cfg);
	sodium_memzero(&init, sizeof(init));
	if (ret < 0) {
		log_error("cannot start the activation server: %s", strerror(-ret));
		child_exit(1);
	}
	if (!chrooted)
		log_warn("no user namespace for the chroot; seccomp alone keeps files away");
	actmsg_encode_ready(buf, &len);
	if (send(MON_FD, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		child_exit(1);
	for (;;) {
		struct pollfd p[2] = {{.fd = MON_FD, .events = POLLIN},
				      {.fd = UDP_FD, .events = POLLIN}};
		bool drained = false;
		uint64_t now;

		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			child_exit(1);
		if (p[0].revents != 0) {
			ssize_t n = recv(MON_FD, buf, sizeof(buf), MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN))
				child_exit(0);
			/* Nothing else is expected unasked: a late RESULT. */
		}
		if (p[1].revents != 0)
			drained = serve_udp();
		/* The monitor shows the counters: fresh whenever the socket
		 * is drained, ten times a second under a flood. */
		now = clock_boot_ns() / 1000000;
		if ((drained || now >= last_stats + 100) &&
		    actserver_stats(C.srv)->received + C.socket_drops != last_received) {
			send_stats();
			last_received = actserver_stats(C.srv)->received + C.socket_drops;
			last_stats = now;
		}
	}
}

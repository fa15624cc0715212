/* SPDX-License-Identifier: ISC */
/*
 * vpnd's network child (docs/privsep.md): the only part of vpnd that reads
 * what the internet sends to the activation port. The monitor forks it,
 * gives it its ids and execs it as `vpnd-net PID` (an executable of its
 * own, netchild/main.c) with its descriptors at fixed numbers
 * (common/childfd.h): the monitor's socket, the bound UDP socket, an empty
 * directory to chroot into, and its TCP listeners. It gets the activation
 * key in an INIT message, locks itself in (netchild/sandbox.c) and runs
 * netchild/actserver.c: mac0, mac1, rate limits, challenges, the replay
 * cache, decryption and CBOR all happen here. A request that decrypts goes
 * to the monitor as the message of its operation (netchild/monwrap.c);
 * the monitor decides and answers, the child seals the answer. The child
 * does not wait for it: requests stay pending in actserver.c while it
 * serves other datagrams, so that the monitor finds several at once and
 * commits them with one fdatasync.
 *
 * Layers: netchild.c (the loop) -> monwrap.c, actserver.c, sandbox.c ->
 * common/ -> lib. The child's state is one struct netchild on
 * netchild_main's stack, handed to actserver's callbacks as their arg.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "netchild/netchild.h"
#include "netchild/actserver.h"
#include "netchild/monwrap.h"
#include "netchild/sandbox.h"
#include "netchild/servers.h"
#include "common/childfd.h"
#include "common/webmsg.h"

#define MON_FD   CHILDFD_MON
#define UDP_FD   CHILDFD_UDP
#define DIR_FD   CHILDFD_DIR
#define SS_SLOTS 1024

struct netchild {
	struct actserver *srv;
	struct monwrap mon;
	struct servers tcp; /* the web page, metrics, mail policies */
	uint8_t *msg;       /* the monitor's messages: WEBMSG_CONF_MAX */
	uint8_t act_sk[KEY_LEN];
	uint8_t prev_sk[KEY_LEN]; /* a rotation's previous key, in its grace */
	uint64_t prev_until;
	/* DH(g, S) of devices whose requests the monitor accepted, for the
	 * current key: the previous one is for a while only. */
	struct {
		uint8_t key[KEY_LEN];
		uint8_t ss[32];
		bool used;
	} ss[SS_SLOTS];
	uint8_t last_key[KEY_LEN], last_ss[32];
	/* The DH of each pending request's device, kept if the monitor
	 * accepts it. */
	struct {
		uint8_t key[KEY_LEN];
		uint8_t ss[32];
		bool keep;
	} pend[ACTSERVER_PENDING];
	uint64_t socket_drops;
	uint64_t answered; /* replies sealed after the monitor's answer */
};

static int ss_cached(void *arg, unsigned key, const uint8_t pub[KEY_LEN], uint8_t ss[32])
{
	struct netchild *c = arg;
	size_t i = (size_t)(pub[0] | pub[1] << 8) % SS_SLOTS;

	if (key != 0)
		return crypto_scalarmult(ss, c->prev_sk, pub) == 0 ? 0 : -EINVAL;
	if (c->ss[i].used && sodium_memcmp(c->ss[i].key, pub, KEY_LEN) == 0) {
		memcpy(ss, c->ss[i].ss, 32);
		return 0;
	}
	if (crypto_scalarmult(ss, c->act_sk, pub) != 0)
		return -EINVAL;
	memcpy(c->last_key, pub, KEY_LEN);
	memcpy(c->last_ss, ss, 32);
	return 0;
}

/* Only keys the monitor vouched for are kept: random keys cannot evict. */
static void ss_keep(struct netchild *c, unsigned slot)
{
	const uint8_t *pub = c->pend[slot].key;
	size_t i = (size_t)(pub[0] | pub[1] << 8) % SS_SLOTS;

	memcpy(c->ss[i].key, pub, KEY_LEN);
	memcpy(c->ss[i].ss, c->pend[slot].ss, 32);
	c->ss[i].used = true;
}

static _Noreturn void child_exit(struct netchild *c, int code)
{
	sodium_memzero(c, sizeof(*c));
	_exit(code);
}

static int child_submit(void *arg, const struct proto_opened *o, const struct sockaddr *src,
			unsigned slot)
{
	struct netchild *c = arg;
	struct actmsg_op op = {.key = (uint8_t)o->key,
			       .challenge = o->challenge,
			       .has_static = o->has_static,
			       .req = o->req};
	int ret;

	proto_addr_bytes(op.src, src);
	memcpy(op.static_pub, o->static_pub, KEY_LEN);
	switch (o->req.op) {
	case PROTO_OP_ACTIVATE:
		ret = monwrap_activate(&c->mon, &op, slot);
		break;
	case PROTO_OP_ENROLL:
		ret = monwrap_enroll(&c->mon, &op, slot);
		break;
	case PROTO_OP_ADD_KEY:
		ret = monwrap_add_key(&c->mon, &op, slot);
		break;
	case PROTO_OP_DEACTIVATE:
		ret = monwrap_deactivate(&c->mon, &op, slot);
		break;
	case PROTO_OP_STATUS:
		ret = monwrap_status(&c->mon, &op, slot);
		break;
	default:
		ret = -EINVAL; /* the decoder lets no other op through */
		break;
	}
	sodium_memzero(&op, sizeof(op));
	/* The monitor gone, or its socket broken: nobody to answer for. */
	if (ret == -EPIPE)
		child_exit(c, 0);
	if (ret == -EIO)
		child_exit(c, 1);
	c->pend[slot].keep = ret == 0 && o->has_static && o->key == 0 &&
			     sodium_memcmp(c->last_key, o->static_pub, KEY_LEN) == 0;
	if (c->pend[slot].keep) {
		memcpy(c->pend[slot].key, c->last_key, KEY_LEN);
		memcpy(c->pend[slot].ss, c->last_ss, 32);
	}
	return ret;
}

/* The replies to what the monitor answered, and INTERNAL to what it did
 * not in time. */
static size_t answer_ops(struct netchild *c)
{
	uint8_t out[PROTO_REPLY_MAX];
	struct sockaddr_storage dst;
	struct proto_reply rep;
	socklen_t dstlen;
	size_t olen;
	unsigned slot;
	bool failed;
	uint64_t now = clock_boot_ns() / 1000000;
	size_t n = 0;

	while (monwrap_answered(&c->mon, now, &slot, &rep, &failed)) {
		if (slot >= ACTSERVER_PENDING)
			continue;
		if (!failed && rep.status == PROTO_OK && c->pend[slot].keep)
			ss_keep(c, slot);
		sodium_memzero(&c->pend[slot], sizeof(c->pend[slot]));
		c->answered++;
		n++;
		if (actserver_answer(c->srv, slot, failed ? NULL : &rep, now, out, &olen, &dst,
				     &dstlen) == 0 &&
		    olen > 0)
			sendto(UDP_FD, out, olen, MSG_DONTWAIT, (struct sockaddr *)&dst, dstlen);
		sodium_memzero(&rep, sizeof(rep));
	}
	return n;
}

/* Changes when the counters do: a datagram came, or a reply went after
 * the monitor's answer (which may come when no datagram does). */
static uint64_t stats_mark(const struct netchild *c)
{
	return actserver_stats(c->srv)->received + c->socket_drops + c->answered;
}

static void send_stats(struct netchild *c)
{
	struct actstats st = *actserver_stats(c->srv);

	st.drop_socket = c->socket_drops;
	monwrap_stats(&c->mon, &st);
}

/* true when the socket is drained */
static bool serve_udp(struct netchild *c)
{
	uint8_t buf[PROTO_REQUEST_LEN + 1], out[PROTO_REPLY_MAX];
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(uint32_t))];
	} cm;
	struct sockaddr_storage ss;

	/* A bounded batch per wake-up: the monitor's messages get a turn.
	 * While every request slot waits for the monitor, the datagrams
	 * wait in the socket. */
	for (int i = 0; i < 64 && !actserver_busy(c->srv); i++) {
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
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h != NULL; h = CMSG_NXTHDR(&m, h)) {
			uint32_t drops;

			if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SO_RXQ_OVFL)
				continue;
			memcpy(&drops, CMSG_DATA(h), sizeof(drops));
			/* The socket's own running count: it outlives children. */
			if (drops > c->socket_drops)
				c->socket_drops = drops;
		}
		actserver_packet(c->srv, buf, (size_t)n, (struct sockaddr *)&ss,
				 clock_boot_ns() / 1000000, (uint64_t)clock_wall(), out, &olen);
		if (olen > 0)
			sendto(UDP_FD, out, olen, MSG_DONTWAIT, (struct sockaddr *)&ss,
			       m.msg_namelen);
	}
	return false;
}

/* What the monitor sent: RESULTs, kept for their requests, a new WEB_CONF
 * (SIGHUP), a MAIL_TABLE, a METRICS snapshot; all that is queued, within a
 * bound. */
static void monitor_message(struct netchild *c)
{
	for (int i = 0; i < MONWRAP_PENDING; i++) {
		ssize_t n = recv(MON_FD, c->msg, WEBMSG_CONF_MAX, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			child_exit(c, 0);
		if (actmsg_type(c->msg, (size_t)n) == ACTMSG_RESULT)
			monwrap_result(&c->mon, c->msg, (size_t)n);
		else if (servers_message(&c->tcp, &c->mon, c->msg, (size_t)n) < 0)
			child_exit(c, 1); /* the monitor restarts us with the files */
		sodium_memzero(c->msg, (size_t)n);
	}
}

/* Gets the key and the limits, enters the sandbox, starts the server. */
static int start(struct netchild *c, pid_t monitor)
{
	struct actmsg_init init;
	struct actserver_config cfg = {.submit = child_submit, .ss = ss_cached, .arg = c};
	struct actserver_keys keys = {0};
	int one = 1, ret, tcp_fd = -1, max_fd = UDP_FD;
	bool chrooted;

	if ((ret = monwrap_read_init(&c->mon, &init)) < 0) {
		log_error("no start message from the monitor: %s", strerror(-ret));
		return ret;
	}
	/* Before the sandbox: setsockopt is not on its list. */
	setsockopt(UDP_FD, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if ((ret = servers_start(&c->tcp, &c->mon, c->msg, &tcp_fd, &max_fd)) < 0)
		return ret;
	if ((ret = sandbox_enter(DIR_FD, MON_FD, UDP_FD, tcp_fd, max_fd, &chrooted)) < 0) {
		log_error("cannot enter the sandbox: %s", strerror(-ret));
		return ret;
	}
	/* The sandbox set a death signal for when the monitor goes; if it
	 * went before that, we are an orphan with nobody to answer. */
	if (getppid() != monitor)
		child_exit(c, 0);
	memcpy(c->act_sk, init.act_sk, KEY_LEN);
	memcpy(keys.act_sk, init.act_sk, KEY_LEN);
	if (!key_is_zero(init.prev_sk)) {
		memcpy(c->prev_sk, init.prev_sk, KEY_LEN);
		keys.prev_sk = c->prev_sk;
		keys.prev_until = c->prev_until = init.prev_until;
	}
	if (!key_is_zero(init.retired_pk))
		keys.retired_pk = init.retired_pk;
	cfg.rate_burst = init.rate_burst;
	cfg.rate_per_sec = init.rate_per_sec;
	cfg.global_burst = init.global_burst;
	cfg.global_per_sec = init.global_per_sec;
	ret = actserver_create(&c->srv, &keys, &cfg);
	sodium_memzero(&init, sizeof(init));
	sodium_memzero(&keys, sizeof(keys));
	if (ret < 0) {
		log_error("cannot start the activation server: %s", strerror(-ret));
		child_exit(c, 1);
	}
	if (!chrooted)
		log_warn("no user namespace for the chroot; seccomp alone keeps files away");
	if (monwrap_ready(&c->mon) < 0)
		child_exit(c, 1);
	return 0;
}

int netchild_main(int argc, char **argv)
{
	struct netchild c = {.mon = {.fd = MON_FD}};
	uint64_t last_stats = 0, last_received = UINT64_MAX;
	pid_t monitor;

	/* The exec made it dumpable, ptrace-able by any process of its uid:
	 * undone before the activation key can arrive. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	log_init("vpnd[net]", log_get_level());
	if (argc != 2 || (monitor = (pid_t)atoi(argv[1])) <= 1 || getppid() != monitor) {
		fprintf(stderr, "vpnd-net: only vpnd run starts this\n");
		return 2;
	}
	if (getuid() == 0 || geteuid() == 0) {
		log_error("the network child refuses to run as root");
		return 1;
	}
	c.msg = malloc(WEBMSG_CONF_MAX);
	if (c.msg == NULL || start(&c, monitor) < 0)
		return 1;
	for (;;) {
		struct pollfd p[2 + SERVERS_FDS] = {
			{.fd = MON_FD, .events = POLLIN},
			{.fd = UDP_FD, .events = actserver_busy(c.srv) ? 0 : POLLIN}};
		size_t n = 2;
		int timeout = 1000;
		bool drained = false;
		size_t replied;
		uint64_t now;

		n += servers_poll_fds(&c.tcp, p + 2, sizeof(p) / sizeof(p[0]) - 2, &timeout);
		if (poll(p, n, timeout) < 0 && errno != EINTR)
			child_exit(&c, 1);
		if (p[0].revents != 0)
			monitor_message(&c);
		replied = answer_ops(&c);
		if (p[1].revents != 0)
			drained = serve_udp(&c);
		servers_run(&c.tcp, p + 2);
		/* and those that came while a web call waited */
		replied += answer_ops(&c);
		/* One that came while a request waited for its answer. */
		if (servers_kept_conf(&c.tcp, &c.mon) < 0)
			child_exit(&c, 1);
		now = clock_boot_ns() / 1000000;
		/* No key outlives its time, traffic or not. */
		actserver_tick(c.srv, now, (uint64_t)clock_wall());
		if ((uint64_t)clock_wall() >= c.prev_until)
			sodium_memzero(c.prev_sk, sizeof(c.prev_sk));
		/* The monitor shows the counters: fresh whenever the socket
		 * is drained or a reply went, ten times a second under a
		 * flood. */
		if ((drained || replied > 0 || now >= last_stats + 100) &&
		    stats_mark(&c) != last_received) {
			send_stats(&c);
			last_received = stats_mark(&c);
			last_stats = now;
		}
	}
}

/* SPDX-License-Identifier: ISC */
/*
 * vpnd's network child (docs/privsep.md): the only part of vpnd that reads
 * what the internet sends to the activation port. The monitor forks it,
 * gives it its ids and execs it as `vpnd net-child PID` with three fds:
 * the monitor's socket, the bound UDP socket, and an empty directory to
 * chroot into. It gets the activation key in an INIT message, locks itself
 * in (netchild/sandbox.c) and runs netchild/actserver.c: mac0, mac1, rate
 * limits, challenges, the replay cache, decryption and CBOR all happen
 * here. A request that decrypts goes to the monitor as the message of its
 * operation (netchild/monwrap.c); the monitor decides and answers, the
 * child seals the answer.
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
#include "netchild/webserver.h"
#include "netchild/mailpolicy.h"
#include "netchild/smtppolicy.h"
#include "common/childfd.h"
#include "common/mailmsg.h"
#include "common/webmsg.h"

#define MON_FD   CHILDFD_MON
#define UDP_FD   CHILDFD_UDP
#define DIR_FD   CHILDFD_DIR
#define WEB_FD   CHILDFD_WEB /* open only when the web page is on */
#define SS_SLOTS 1024

struct netchild {
	struct actserver *srv;
	struct monwrap mon;
	struct webserver *web;        /* NULL without [Web] */
	struct mailpolicy *mail;      /* NULL without [Mail] DovecotPolicy */
	struct smtppolicy *smtp;      /* NULL without [Mail] PostfixPolicy */
	struct mailmsg_table mailtab; /* the monitor's, replaced whole */
	uint8_t *msg;                 /* the monitor's messages: WEBMSG_CONF_MAX */
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
	uint64_t socket_drops;
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
static void ss_keep(struct netchild *c, const uint8_t pub[KEY_LEN])
{
	size_t i = (size_t)(pub[0] | pub[1] << 8) % SS_SLOTS;

	if (sodium_memcmp(c->last_key, pub, KEY_LEN) != 0)
		return;
	memcpy(c->ss[i].key, pub, KEY_LEN);
	memcpy(c->ss[i].ss, c->last_ss, 32);
	c->ss[i].used = true;
}

static _Noreturn void child_exit(struct netchild *c, int code)
{
	sodium_memzero(c, sizeof(*c));
	_exit(code);
}

static int child_op(void *arg, const struct proto_opened *o, const struct sockaddr *src,
		    struct proto_reply *rep)
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
		ret = monwrap_activate(&c->mon, &op, rep);
		break;
	case PROTO_OP_ENROLL:
		ret = monwrap_enroll(&c->mon, &op, rep);
		break;
	case PROTO_OP_ADD_KEY:
		ret = monwrap_add_key(&c->mon, &op, rep);
		break;
	case PROTO_OP_DEACTIVATE:
		ret = monwrap_deactivate(&c->mon, &op, rep);
		break;
	case PROTO_OP_STATUS:
		ret = monwrap_status(&c->mon, &op, rep);
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
	if (ret == 0 && rep->status == PROTO_OK && o->has_static && o->key == 0)
		ss_keep(c, o->static_pub);
	return ret;
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

/* The web page: its WEB_CONF follows INIT. The time zone is read now, as
 * no file can be once sandboxed. */
static int web_start(struct netchild *c)
{
	int n, ret;

	tzset();
	n = monwrap_read_web_conf(&c->mon, c->msg, WEBMSG_CONF_MAX);
	if (n < 0) {
		log_error("no web configuration from the monitor: %s", strerror(-n));
		return n;
	}
	/* From here a WEB_CONF may come while a wrapper waits: it keeps it. */
	c->mon.conf = c->msg;
	if ((ret = webserver_create(&c->web, WEB_FD, &c->mon)) < 0 ||
	    (ret = webserver_configure(c->web, c->msg, (size_t)n)) < 0) {
		log_error("cannot start the web page's server: %s", strerror(-ret));
		return ret;
	}
	sodium_memzero(c->msg, (size_t)n);
	return 0;
}

static void web_configure(struct netchild *c, const uint8_t *msg, size_t len)
{
	if (webserver_configure(c->web, msg, len) < 0)
		child_exit(c, 1); /* the monitor restarts us with the files */
	log_info("the web page's server restarted with its new certificate");
}

/* A new MAIL_TABLE, in place: the servers hold a pointer to it. One that
 * does not decode leaves an empty table, which refuses every login from
 * a tunnel: the monitor's next one mends it. */
static void mail_table(void *arg, const uint8_t *msg, size_t len)
{
	struct netchild *c = arg;
	struct mailmsg_table t;

	if (mailmsg_decode_table(&t, msg, len) < 0)
		log_error("a mail table from the monitor did not decode; refusing tunnels' logins");
	mailmsg_table_free(&c->mailtab);
	c->mailtab = t;
}

/* Dovecot's and Postfix's policy servers, with the table that follows
 * INIT (and WEB_CONF). */
static int mail_start(struct netchild *c)
{
	int n, ret = 0;

	c->mon.table = malloc(MAILMSG_TABLE_MAX);
	if (c->mon.table == NULL)
		return -ENOMEM;
	n = monwrap_read_mail_table(&c->mon);
	if (n < 0) {
		log_error("no mail table from the monitor: %s", strerror(-n));
		return n;
	}
	mail_table(c, c->mon.table, (size_t)n);
	c->mon.on_table = mail_table;
	c->mon.table_arg = c;
	if (fcntl(CHILDFD_MAIL, F_GETFD) >= 0)
		ret = mailpolicy_create(&c->mail, CHILDFD_MAIL, &c->mailtab, &c->mon);
	if (ret == 0 && fcntl(CHILDFD_SMTP, F_GETFD) >= 0)
		ret = smtppolicy_create(&c->smtp, CHILDFD_SMTP, &c->mailtab, &c->mon);
	if (ret < 0)
		log_error("cannot start the mail policy servers: %s", strerror(-ret));
	return ret;
}

/* A message the monitor sends unasked: a new WEB_CONF (SIGHUP), or a late
 * RESULT, which is dropped. */
static void monitor_message(struct netchild *c)
{
	ssize_t n = recv(MON_FD, c->msg, WEBMSG_CONF_MAX, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN))
		child_exit(c, 0);
	if (n > 0 && c->web != NULL && actmsg_type(c->msg, (size_t)n) == ACTMSG_WEB_CONF)
		web_configure(c, c->msg, (size_t)n);
	if (n > 0 && c->mon.table != NULL && actmsg_type(c->msg, (size_t)n) == ACTMSG_MAIL_TABLE)
		mail_table(c, c->msg, (size_t)n);
	if (n > 0)
		sodium_memzero(c->msg, (size_t)n);
}

/* Gets the key and the limits, enters the sandbox, starts the server. */
static int start(struct netchild *c, pid_t monitor)
{
	struct actmsg_init init;
	struct actserver_config cfg = {.op = child_op, .ss = ss_cached, .arg = c};
	struct actserver_keys keys = {0};
	int one = 1, ret, tcp_fd = -1, max_fd = UDP_FD;
	bool chrooted;

	if ((ret = monwrap_read_init(&c->mon, &init)) < 0) {
		log_error("no start message from the monitor: %s", strerror(-ret));
		return ret;
	}
	/* Before the sandbox: setsockopt is not on its list. */
	setsockopt(UDP_FD, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (fcntl(WEB_FD, F_GETFD) >= 0 && (ret = web_start(c)) < 0)
		return ret;
	/* Each connection is a descriptor, and libmicrohttpd keeps one
	 * spare to turn away the connection over its limit. */
	if (c->web != NULL) {
		tcp_fd = WEB_FD;
		max_fd = CHILDFD_END + WEBSERVER_CONNS + 1;
	}
	if ((fcntl(CHILDFD_MAIL, F_GETFD) >= 0 || fcntl(CHILDFD_SMTP, F_GETFD) >= 0) &&
	    (ret = mail_start(c)) < 0)
		return ret;
	if (c->mail != NULL || c->smtp != NULL) {
		tcp_fd = tcp_fd >= 0 ? tcp_fd : c->mail != NULL ? CHILDFD_MAIL : CHILDFD_SMTP;
		max_fd = (max_fd > CHILDFD_END ? max_fd : CHILDFD_END) + MAILPOLICY_CONNS + 1 +
			 SMTPPOLICY_CONNS;
	}
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
		fprintf(stderr, "vpnd net-child: only vpnd run starts this\n");
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
		struct pollfd p[2 + WEBSERVER_CONNS + 8 + MAILPOLICY_CONNS + SMTPPOLICY_CONNS + 8] =
			{{.fd = MON_FD, .events = POLLIN}, {.fd = UDP_FD, .events = POLLIN}};
		size_t n = 2, web_n = 0, mail_n = 0, smtp_n = 0;
		int timeout = 1000;
		bool drained = false;
		uint64_t now;

		if (c.web != NULL)
			n += web_n = webserver_poll_fds(c.web, p + 2, sizeof(p) / sizeof(p[0]) - 2,
							&timeout);
		if (c.mail != NULL)
			n += mail_n = mailpolicy_poll_fds(c.mail, p + n,
							  sizeof(p) / sizeof(p[0]) - n, &timeout);
		if (c.smtp != NULL)
			n += smtp_n = smtppolicy_poll_fds(c.smtp, p + n,
							  sizeof(p) / sizeof(p[0]) - n, &timeout);
		if (poll(p, n, timeout) < 0 && errno != EINTR)
			child_exit(&c, 1);
		if (p[0].revents != 0)
			monitor_message(&c);
		if (p[1].revents != 0)
			drained = serve_udp(&c);
		if (c.web != NULL)
			webserver_run(c.web, p + 2, web_n);
		if (c.mail != NULL)
			mailpolicy_run(c.mail, p + 2 + web_n, mail_n);
		if (c.smtp != NULL)
			smtppolicy_run(c.smtp, p + 2 + web_n + mail_n, smtp_n);
		/* One that came while a request waited for its answer. */
		if (c.mon.conf_len > 0) {
			web_configure(&c, c.mon.conf, c.mon.conf_len);
			sodium_memzero(c.mon.conf, c.mon.conf_len);
			c.mon.conf_len = 0;
		}
		now = clock_boot_ns() / 1000000;
		/* No key outlives its time, traffic or not. */
		actserver_tick(c.srv, now, (uint64_t)clock_wall());
		if ((uint64_t)clock_wall() >= c.prev_until)
			sodium_memzero(c.prev_sk, sizeof(c.prev_sk));
		/* The monitor shows the counters: fresh whenever the socket
		 * is drained, ten times a second under a flood. */
		if ((drained || now >= last_stats + 100) &&
		    actserver_stats(c.srv)->received + c.socket_drops != last_received) {
			send_stats(&c);
			last_received = actserver_stats(c.srv)->received + c.socket_drops;
			last_stats = now;
		}
	}
}

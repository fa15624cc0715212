/* SPDX-License-Identifier: ISC */
/*
 * The network child's HTTP handling (netchild/webserver.c) end to end:
 * each input is the bytes a client sends on a new connection to the real
 * server (libmicrohttpd in the child's own loop, plain HTTP, 127.0.0.1 a
 * trusted proxy so X-Forwarded-For is parsed), whose API calls reach a
 * stand-in monitor that has its answer queued already. Whatever comes in,
 * the server answers or closes, and nothing crashes or leaks.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/actmsg.h"
#include "common/webmsg.h"
#include "netchild/monwrap.h"
#include "netchild/webserver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct monwrap mon;
static struct webserver *ws;
static int monitor_fd, listen_fd;
static struct sockaddr_in addr = {.sin_family = AF_INET};

static void start(void)
{
	struct webmsg_conf c = {.n_proxies = 1};
	static uint8_t buf[WEBMSG_CONF_MAX];
	socklen_t al = sizeof(addr);
	int sv[2];
	size_t len;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c.proxies[0].family = AF_INET;
	c.proxies[0].bytes[0] = 127;
	c.proxies[0].bytes[3] = 1;
	c.proxies[0].prefix = 32;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listen_fd, 16) < 0 || getsockname(listen_fd, (struct sockaddr *)&addr, &al) < 0)
		abort();
	mon.fd = sv[0];
	monitor_fd = sv[1];
	if (webserver_create(&ws, listen_fd, &mon) < 0 || webmsg_encode_conf(buf, &len, &c) < 0 ||
	    webserver_configure(ws, buf, len) < 0)
		abort();
}

/* The monitor's answer to the next call, waiting in the socket. */
static void queue_answer(void)
{
	static uint8_t buf[WEBMSG_MAX];
	struct webmsg_result r = {.seq = mon.seq + 1, .status = 200};
	size_t len;

	/* What the last call sent, and the answer it did not take. */
	while (recv(monitor_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	while (recv(mon.fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	strcpy(r.body, "{\"ok\":true}");
	r.body_len = strlen(r.body);
	if (webmsg_encode_result(buf, &len, &r) < 0 ||
	    send(monitor_fd, buf, len, MSG_DONTWAIT) != (ssize_t)len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sink[4096];
	int cli;

	if (ws == NULL)
		start();
	if (size > 16384)
		return 0;
	queue_answer();
	cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		abort();
	if (size > 0 && send(cli, data, size, MSG_NOSIGNAL) != (ssize_t)size)
		abort();
	shutdown(cli, SHUT_WR);
	/* The server's loop until it answers and closes, or gives up. */
	for (int i = 0; i < 200; i++) {
		struct pollfd p[WEBSERVER_CONNS + 2];
		int timeout = 0;
		size_t n = webserver_poll_fds(ws, p, WEBSERVER_CONNS + 1, &timeout);
		ssize_t got;

		p[n] = (struct pollfd){.fd = cli, .events = POLLIN};
		if (poll(p, n + 1, 10) < 0 && errno != EINTR)
			abort();
		webserver_run(ws, p, n);
		got = recv(cli, sink, sizeof(sink), MSG_DONTWAIT);
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			break;
	}
	close(cli);
	return 0;
}

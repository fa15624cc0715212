/* SPDX-License-Identifier: ISC */
/*
 * The network child's seccomp filter (netchild/sandbox.c), call by call: a
 * forked process enters the sandbox with a socketpair as fd 3 and a UDP
 * socket as fd 4, as the child does, makes one call, and the parent reads
 * how it ended. tests/netns/privsep.sh does the same inside the real child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "netchild/sandbox.h"

#define MON_FD     3
#define UDP_FD     4
#define OTHER_FD   6 /* a socket the child should not have */
#define NOT_ENTERD 100

enum call {
	SEND_MONITOR,
	SEND_UDP,
	SIGNAL_SELF,
	LOG_LINE,
	ABORT,
	SIGNAL_PARENT_TGKILL,
	SIGNAL_PARENT_KILL,
	SEND_STDERR,
	SEND_OTHER,
	RECV_OTHER,
	STAT_PATH,
	OPEN_PATH,
};

static void make_call(enum call c)
{
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				 .sin_port = htons(9)};
	struct stat st;
	char b = 'x';
	pid_t self = getpid(), parent = getppid();

	switch (c) {
	case SEND_MONITOR:
		_exit(send(MON_FD, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : 1);
	case SEND_UDP:
		_exit(sendto(UDP_FD, &b, 1, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) == 1
			      ? 0
			      : 1);
	case SIGNAL_SELF:
		_exit(syscall(SYS_tgkill, self, self, 0) == 0 ? 0 : 1);
	case LOG_LINE:
		_exit(write(2, "", 0) == 0 ? 0 : 1);
	case ABORT:
		abort();
	case SIGNAL_PARENT_TGKILL:
		syscall(SYS_tgkill, parent, parent, 0);
		break;
	case SIGNAL_PARENT_KILL:
		kill(parent, 0);
		break;
	case SEND_STDERR:
		sendto(2, &b, 1, MSG_DONTWAIT, NULL, 0);
		break;
	case SEND_OTHER:
		sendto(OTHER_FD, &b, 1, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
		break;
	case RECV_OTHER:
		recv(OTHER_FD, &b, 1, MSG_DONTWAIT);
		break;
	case STAT_PATH:
		if (syscall(SYS_newfstatat, AT_FDCWD, "/", &st, 0) < 0 && errno == EPERM)
			_exit(2); /* a sanitizer build refuses instead */
		break;
	case OPEN_PATH:
		if (syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY) < 0 && errno == EPERM)
			_exit(2);
		break;
	}
	_exit(0); /* the call went through */
}

/* Runs one call in a sandboxed child; its wait status. */
static int sandboxed(enum call c)
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		int sv[2], udp, other, dir;
		bool chrooted;

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 ||
		    (udp = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    (other = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    (dir = open("/", O_RDONLY | O_DIRECTORY)) < 0)
			_exit(NOT_ENTERD);
		/* Above the targets first, so no dup2 closes one of them
		 * (the monitor's end, sv[1], stays open up there). */
		sv[0] = fcntl(sv[0], F_DUPFD, 20);
		sv[1] = fcntl(sv[1], F_DUPFD, 20);
		udp = fcntl(udp, F_DUPFD, 20);
		other = fcntl(other, F_DUPFD, 20);
		dir = fcntl(dir, F_DUPFD, 20);
		if (dup2(sv[0], MON_FD) < 0 || dup2(udp, UDP_FD) < 0 || dup2(dir, 5) < 0 ||
		    dup2(other, OTHER_FD) < 0)
			_exit(NOT_ENTERD);
		if (sandbox_enter(5, MON_FD, UDP_FD, -1, UDP_FD, &chrooted) < 0)
			_exit(NOT_ENTERD);
		make_call(c);
	}
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	if (WIFEXITED(st) && WEXITSTATUS(st) == NOT_ENTERD)
		fail_msg("the child could not enter the sandbox");
	return st;
}

static void allowed(void **state)
{
	static const enum call calls[] = {SEND_MONITOR, SEND_UDP, SIGNAL_SELF, LOG_LINE};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int st = sandboxed(calls[i]);

		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail_msg("call %zu: status %#x, want a clean exit", i, (unsigned)st);
	}
	/* abort() signals itself: it ends by SIGABRT, not by the filter. */
	int st = sandboxed(ABORT);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void killed(void **state)
{
	static const enum call calls[] = {SIGNAL_PARENT_TGKILL, SIGNAL_PARENT_KILL, SEND_STDERR,
					  SEND_OTHER, RECV_OTHER};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int st = sandboxed(calls[i]);

		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fail_msg("call %zu: status %#x, want death by SIGSYS", i, (unsigned)st);
	}
}

static void no_paths(void **state)
{
	static const enum call calls[] = {STAT_PATH, OPEN_PATH};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		int st = sandboxed(calls[i]);

		/* Death, or EPERM (2) in a sanitizer build; never through. */
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) &&
		    !(WIFEXITED(st) && WEXITSTATUS(st) == 2))
			fail_msg("call %zu: status %#x, want SIGSYS or EPERM", i, (unsigned)st);
	}
}

#define WEB_FD 7

enum web_call { WEB_SERVE, WEB_ACCEPT_UDP, WEB_SETSOCKOPT_MONITOR, WEB_SEND_STDERR };

/* The web page's calls: a child with a listening TCP socket as fd 7 and a
 * client connected to it accepts, sends, sets TCP_NODELAY and shuts down
 * on the connection; accept elsewhere, options on the monitor's socket
 * and a send on stderr still kill it. */
static int sandboxed_web(enum web_call c)
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t al = sizeof(a);
		int sv[2], udp, lis, cli, dir, conn, one = 1;
		bool chrooted;
		char b = 'x';

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 ||
		    (udp = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    (lis = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    (cli = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    (dir = open("/", O_RDONLY | O_DIRECTORY)) < 0 ||
		    bind(lis, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lis, 4) < 0 ||
		    getsockname(lis, (struct sockaddr *)&a, &al) < 0 ||
		    connect(cli, (struct sockaddr *)&a, sizeof(a)) < 0)
			_exit(NOT_ENTERD);
		sv[0] = fcntl(sv[0], F_DUPFD, 20);
		udp = fcntl(udp, F_DUPFD, 20);
		lis = fcntl(lis, F_DUPFD, 20);
		cli = fcntl(cli, F_DUPFD, 20); /* the copy keeps it open */
		dir = fcntl(dir, F_DUPFD, 20);
		if (dup2(sv[0], MON_FD) < 0 || dup2(udp, UDP_FD) < 0 || dup2(dir, 5) < 0 ||
		    dup2(lis, WEB_FD) < 0)
			_exit(NOT_ENTERD);
		if (sandbox_enter(5, MON_FD, UDP_FD, WEB_FD, WEB_FD + 50, &chrooted) < 0)
			_exit(NOT_ENTERD);
		switch (c) {
		case WEB_SERVE:
			conn = accept4(WEB_FD, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			/* Below the listening socket every number is taken. */
			if (conn <= WEB_FD)
				_exit(1);
			if (send(conn, &b, 1, MSG_NOSIGNAL) != 1)
				_exit(2);
			if (setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
				_exit(4);
			if (shutdown(conn, SHUT_WR) < 0 || close(conn) < 0)
				_exit(5);
			_exit(0);
		case WEB_ACCEPT_UDP:
			accept4(UDP_FD, NULL, NULL, SOCK_CLOEXEC);
			_exit(0);
		case WEB_SETSOCKOPT_MONITOR:
			setsockopt(MON_FD, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
			_exit(0);
		case WEB_SEND_STDERR:
			send(2, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			_exit(0);
		}
		_exit(3);
	}
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	if (WIFEXITED(st) && WEXITSTATUS(st) == NOT_ENTERD)
		fail_msg("the child could not enter the sandbox");
	return st;
}

static void web(void **state)
{
	static const enum web_call deadly[] = {WEB_ACCEPT_UDP, WEB_SETSOCKOPT_MONITOR,
					       WEB_SEND_STDERR};
	int st = sandboxed_web(WEB_SERVE);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("serving a connection: status %#x, want a clean exit", (unsigned)st);
	for (size_t i = 0; i < sizeof(deadly) / sizeof(deadly[0]); i++) {
		st = sandboxed_web(deadly[i]);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fail_msg("web call %zu: status %#x, want death by SIGSYS", i, (unsigned)st);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed),
		cmocka_unit_test(killed),
		cmocka_unit_test(no_paths),
		cmocka_unit_test(web),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

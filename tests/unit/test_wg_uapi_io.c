/* SPDX-License-Identifier: ISC */
/*
 * The UAPI socket exchange against small servers: a socket file nobody
 * listens on, a listener that never answers, one that answers a byte at a
 * time, one that never stops talking, one that hangs up, one that answers
 * before it has read the whole request. None may hang or crash the client.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "wg/uapi.h"
#include "wg/uapi_text.h"

static char dir[64];
static char path[96];
static char err[ERR_LEN]; /* the line of the last call that failed */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listener(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Reads until the blank line that ends a request; returns its length. */
static size_t read_request(int c, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = recv(c, buf + len, cap - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (uapi_text_reply_end(buf, len) != 0)
			break;
	}
	return len;
}

enum server_mode { SRV_SLOW, SRV_FLOOD, SRV_HANGUP, SRV_EARLY, SRV_CHECK };

static const char *check_want;

/* Forks a server for one connection. */
static pid_t serve(enum server_mode mode)
{
	int fd = listener();
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0) {
		close(fd);
		return pid;
	}
	int c = accept(fd, NULL, NULL);
	static char buf[4 << 20];
	static const char reply[] = "listen_port=7\nerrno=0\n\n";
	size_t len;

	if (c < 0)
		_exit(1);
	switch (mode) {
	case SRV_SLOW:
		read_request(c, buf, sizeof(buf));
		for (size_t i = 0; i < sizeof(reply) - 1; i++) {
			send(c, reply + i, 1, MSG_NOSIGNAL);
			usleep(2000);
		}
		break;
	case SRV_FLOOD:
		read_request(c, buf, sizeof(buf));
		memset(buf, 'a', sizeof(buf));
		buf[0] = 'x';
		buf[1] = '=';
		buf[sizeof(buf) - 1] = '\n';
		for (int i = 0; i < 6; i++) {
			if (send(c, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
				break;
		}
		break;
	case SRV_HANGUP:
		break;
	case SRV_EARLY:
		recv(c, buf, 100, 0);
		send(c, "errno=-22\n\n", 11, MSG_NOSIGNAL);
		sleep(2); /* and read nothing more */
		break;
	case SRV_CHECK:
		len = read_request(c, buf, sizeof(buf));
		if (len == strlen(check_want) && memcmp(buf, check_want, len) == 0)
			send(c, "errno=0\n\n", 9, MSG_NOSIGNAL);
		else
			send(c, "errno=5\n\n", 9, MSG_NOSIGNAL);
		break;
	}
	close(c);
	_exit(0);
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int exchange(const char *req, struct strbuf *reply, int timeout_ms)
{
	return uapi_exchange("wgx", path, req, strlen(req), reply, timeout_ms, err);
}

static void test_missing(void **state)
{
	struct strbuf reply;

	assert_int_equal(exchange("get=1\n\n", &reply, 300), -ENODEV);
	assert_int_equal(reply.len, 0);
	assert_null(reply.buf);
	assert_non_null(strstr(err, "wgx: no such WireGuard interface"));
}

static void test_dead(void **state)
{
	struct strbuf reply;

	close(listener()); /* the file stays, nobody listens */
	assert_int_equal(exchange("get=1\n\n", &reply, 300), -ECONNREFUSED);
	assert_non_null(strstr(err, "wgx: UAPI socket"));
	assert_non_null(strstr(err, "refuses connections"));
}

static void test_silent(void **state)
{
	int fd = listener(); /* listens, never accepts nor answers */
	struct strbuf reply;
	int64_t t0 = mono_ms();

	assert_int_equal(exchange("get=1\n\n", &reply, 300), -ETIMEDOUT);
	assert_true(mono_ms() - t0 < 2000);
	assert_true(mono_ms() - t0 >= 290);
	assert_non_null(strstr(err, "did not answer within 300 ms"));
	close(fd);
}

static void test_slow(void **state)
{
	pid_t pid = serve(SRV_SLOW);
	struct strbuf reply;

	assert_int_equal(exchange("get=1\n\n", &reply, 1000), 0);
	assert_int_equal(reply.len, 23);
	assert_memory_equal(reply.buf, "listen_port=7\nerrno=0\n\n", 23);
	strbuf_finish(&reply);
	reap(pid);
}

static void test_flood(void **state)
{
	pid_t pid = serve(SRV_FLOOD);
	struct strbuf reply;

	assert_int_equal(exchange("get=1\n\n", &reply, 2000), -EMSGSIZE);
	assert_int_equal(reply.len, 0);
	assert_null(reply.buf);
	assert_non_null(strstr(err, "wgx: UAPI reply longer than 16777216 bytes"));
	reap(pid);
}

static void test_hangup(void **state)
{
	pid_t pid = serve(SRV_HANGUP);
	struct strbuf reply;

	assert_int_equal(exchange("get=1\n\n", &reply, 1000), -ECONNRESET);
	assert_non_null(strstr(err, "closed without a reply"));
	reap(pid);
}

/* "set=1\n", "a=b\n" lines, the blank line; at most big bytes. */
static void fill_request(char *req, size_t big)
{
	size_t len = 6;

	assert_non_null(req);
	memcpy(req, "set=1\n", 6);
	while (len + 4 + 1 <= big) {
		memcpy(req + len, "a=b\n", 4);
		len += 4;
	}
	req[len++] = '\n';
	req[len] = '\0';
}

/* A big request the server refuses early: its answer, not a timeout. */
static void test_early_answer(void **state)
{
	size_t big = 8U << 20;
	char *req = malloc(big + 1);
	struct strbuf reply;
	pid_t pid = serve(SRV_EARLY);

	fill_request(req, big);
	assert_int_equal(exchange(req, &reply, 1000), 0);
	assert_int_equal(uapi_text_parse_set("wgx", reply.buf, reply.len, err), -EINVAL);
	strbuf_finish(&reply);
	free(req);
	reap(pid);
}

/* A large request arrives whole and unchanged. */
static void test_large_request(void **state)
{
	size_t big = 3U << 20;
	char *req = malloc(big + 1);
	struct strbuf reply;
	pid_t pid;

	fill_request(req, big);
	check_want = req;
	pid = serve(SRV_CHECK);
	assert_int_equal(exchange(req, &reply, 2000), 0);
	assert_int_equal(uapi_text_parse_set("wgx", reply.buf, reply.len, err), 0);
	strbuf_finish(&reply);
	free(req);
	reap(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),      cmocka_unit_test(test_dead),
		cmocka_unit_test(test_silent),       cmocka_unit_test(test_slow),
		cmocka_unit_test(test_flood),        cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_early_answer), cmocka_unit_test(test_large_request),
	};
	int ret;

	snprintf(dir, sizeof(dir), "/tmp/keygate-uapi-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/wgx.sock", dir);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	rmdir(dir);
	return ret;
}

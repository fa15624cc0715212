/* SPDX-License-Identifier: ISC */
/*
 * Talking to a userspace WireGuard over its UAPI socket. Every wait is
 * bounded: the socket is non-blocking and each poll() waits at most the
 * idle timeout, the whole exchange at most UAPI_TOTAL_TIMEOUT_MS, so a dead
 * or wedged implementation costs a few seconds and one error line.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "wg/uapi.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long the next poll may wait; 0 when time is up. */
static int wait_ms(int64_t idle_deadline, int64_t total_deadline)
{
	int64_t end = idle_deadline < total_deadline ? idle_deadline : total_deadline;
	int64_t left = end - now_ms();

	return left > 0 ? (int)left : 0;
}

int uapi_check_ifname(const char *ifname)
{
	/* strnlen: dev->name of a caller's struct need not hold a NUL. */
	size_t len = ifname != NULL ? strnlen(ifname, IFNAMSIZ) : 0;
	bool ok = len > 0 && len < IFNAMSIZ && strchr(ifname, '/') == NULL &&
		  strcmp(ifname, ".") != 0 && strcmp(ifname, "..") != 0;

	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)ifname[i] > ' ' && (unsigned char)ifname[i] < 0x7f;
	if (!ok) {
		wg_set_error("invalid interface name '%.*s'", IFNAMSIZ,
			     ifname != NULL ? ifname : "");
		return -EINVAL;
	}
	return 0;
}

static int uapi_connect(const char *ifname, const char *path, int *fd, int idle_timeout_ms)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int64_t deadline = now_ms() + idle_timeout_ms;
	int s, ret;

	*fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		wg_set_error("%s: UAPI socket path too long: %s", ifname, path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) {
		ret = -errno;
		wg_set_error("%s: cannot make a unix socket: %s", ifname, strerror(errno));
		return ret;
	}
	/* A full backlog (a server that never accepts) gives EAGAIN. */
	while (connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && now_ms() < deadline) {
			poll(NULL, 0, 20);
			continue;
		}
		if (errno == ENOENT)
			wg_set_error("%s: no such WireGuard interface (no UAPI socket %s)", ifname,
				     path);
		else if (errno == ECONNREFUSED)
			wg_set_error(
				"%s: UAPI socket %s refuses connections: the userspace WireGuard "
				"behind it is gone",
				ifname, path);
		else if (errno == EAGAIN)
			wg_set_error(
				"%s: UAPI socket %s did not accept the connection within %d ms",
				ifname, path, idle_timeout_ms);
		else if (errno == EACCES || errno == EPERM)
			wg_set_error("%s: UAPI socket %s: permission denied (needs root)", ifname,
				     path);
		else
			wg_set_error("%s: UAPI socket %s: %s", ifname, path, strerror(errno));
		if (errno == ENOENT)
			ret = -ENODEV;
		else if (errno == EAGAIN)
			ret = -ETIMEDOUT;
		close(s);
		return ret;
	}
	*fd = s;
	return 0;
}

/* Makes room for at least one more byte, without leaving copies of what
 * was read (it may hold the private key) in freed memory. */
static int reply_grow(char **buf, size_t *cap, size_t len)
{
	size_t ncap = *cap == 0 ? 4096 : *cap * 2;
	char *n;

	if (ncap > UAPI_REPLY_MAX)
		ncap = UAPI_REPLY_MAX;
	if (ncap <= len)
		return -EMSGSIZE;
	n = malloc(ncap);
	if (n == NULL)
		return -ENOMEM;
	if (*buf != NULL) {
		memcpy(n, *buf, len);
		sodium_memzero(*buf, *cap);
		free(*buf);
	}
	*buf = n;
	*cap = ncap;
	return 0;
}

struct uapi_conn {
	const char *ifname, *path;
	int fd;
	int idle_timeout_ms;
	int64_t idle, total; /* deadlines, now_ms() clock */
};

/*
 * Waits until fd is ready for events; 0 (with *revents), or -errno with the
 * error set. The total deadline is checked before each poll: a server that
 * always has a byte ready would otherwise never let poll time out.
 */
static int uapi_wait(const struct uapi_conn *c, short events, short *revents)
{
	struct pollfd pfd = {.fd = c->fd, .events = events};
	int n, ret;

	for (;;) {
		if (now_ms() >= c->total)
			break;
		n = poll(&pfd, 1, wait_ms(c->idle, c->total));
		if (n > 0) {
			*revents = pfd.revents;
			return 0;
		}
		if (n == 0)
			break;
		if (errno != EINTR) {
			ret = -errno;
			wg_set_error("%s: waiting on UAPI socket %s: %s", c->ifname, c->path,
				     strerror(errno));
			return ret;
		}
	}
	if (now_ms() < c->total)
		wg_set_error("%s: UAPI socket %s did not answer within %d ms", c->ifname, c->path,
			     c->idle_timeout_ms);
	else
		wg_set_error("%s: UAPI socket %s: exchange took longer than %d ms", c->ifname,
			     c->path, UAPI_TOTAL_TIMEOUT_MS);
	return -ETIMEDOUT;
}

/* Writes req; stops early when the server answers (it refused a line and
 * will not read the rest) or hangs up (what it said is read next). */
static int uapi_send(struct uapi_conn *c, const char *req, size_t reqlen)
{
	size_t sent = 0;
	short revents = 0;
	ssize_t n;
	int ret;

	while (sent < reqlen) {
		ret = uapi_wait(c, POLLOUT | POLLIN, &revents);
		if (ret < 0)
			return ret;
		if (revents & POLLIN)
			break;
		n = send(c->fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == EPIPE)
			break;
		if (n < 0) {
			ret = -errno;
			wg_set_error("%s: writing to UAPI socket %s: %s", c->ifname, c->path,
				     strerror(errno));
			return ret;
		}
		sent += (size_t)n;
		c->idle = now_ms() + c->idle_timeout_ms;
	}
	return 0;
}

/* Reads through the blank line that ends a reply, or to a hangup. *buf
 * holds *len bytes in *cap; the reply is the first *end of them. */
static int uapi_recv(struct uapi_conn *c, char **buf, size_t *cap, size_t *len, size_t *end)
{
	short revents = 0;
	size_t scan;
	ssize_t n;
	int ret;

	c->idle = now_ms() + c->idle_timeout_ms;
	while (*end == 0) {
		if (*len == *cap) {
			ret = reply_grow(buf, cap, *len);
			if (ret == -EMSGSIZE)
				wg_set_error("%s: UAPI reply longer than %u bytes", c->ifname,
					     UAPI_REPLY_MAX);
			else if (ret < 0)
				wg_set_error("%s: out of memory reading the UAPI reply", c->ifname);
			if (ret < 0)
				return ret;
		}
		ret = uapi_wait(c, POLLIN, &revents);
		if (ret < 0)
			return ret;
		n = recv(c->fd, *buf + *len, *cap - *len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno != ECONNRESET) {
			ret = -errno;
			wg_set_error("%s: reading UAPI socket %s: %s", c->ifname, c->path,
				     strerror(errno));
			return ret;
		}
		/* A reset is a hangup with our request unread. */
		if (n <= 0) {
			if (*len == 0) {
				wg_set_error("%s: UAPI socket %s closed without a reply", c->ifname,
					     c->path);
				return -ECONNRESET;
			}
			*end = *len; /* the parser tells what is missing */
			break;
		}
		/* Only the new bytes need a look; the end may straddle two reads. */
		scan = *len > 0 ? *len - 1 : 0;
		*len += (size_t)n;
		if (scan == 0) {
			*end = uapi_reply_end(*buf, *len);
		} else {
			const char *p = memmem(*buf + scan, *len - scan, "\n\n", 2);

			*end = p != NULL ? (size_t)(p - *buf) + 2 : 0;
		}
		c->idle = now_ms() + c->idle_timeout_ms;
	}
	return 0;
}

int uapi_exchange(const char *ifname, const char *path, const char *req, size_t reqlen,
		  char **reply, size_t *replylen, int idle_timeout_ms)
{
	struct uapi_conn c = {.ifname = ifname, .path = path, .idle_timeout_ms = idle_timeout_ms};
	size_t len = 0, cap = 0, end = 0;
	char *buf = NULL;
	int ret;

	*reply = NULL;
	*replylen = 0;
	c.total = now_ms() + UAPI_TOTAL_TIMEOUT_MS;
	ret = uapi_connect(ifname, path, &c.fd, idle_timeout_ms);
	if (ret < 0)
		return ret;
	c.idle = now_ms() + idle_timeout_ms;
	ret = uapi_send(&c, req, reqlen);
	if (ret < 0)
		goto fail;
	ret = uapi_recv(&c, &buf, &cap, &len, &end);
	if (ret < 0)
		goto fail;
	close(c.fd);
	*reply = buf;
	*replylen = end;
	/* Anything after the end was not asked for; it is wiped with the rest. */
	if (end < len)
		sodium_memzero(buf + end, len - end);
	return 0;
fail:
	if (buf != NULL) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	if (c.fd >= 0)
		close(c.fd);
	return ret;
}

/* The backend can be called directly (lib/wg.h exports it), so it checks
 * names itself: "../x" must not reach a socket outside UAPI_SOCKET_DIR. */
static int uapi_path(char *out, size_t outlen, const char *ifname)
{
	int ret = uapi_check_ifname(ifname);

	if (ret < 0)
		return ret;
	snprintf(out, outlen, "%s/%s.sock", UAPI_SOCKET_DIR, ifname);
	return 0;
}

static int uapi_get_device(struct wg_device **dev, const char *ifname)
{
	static const char req[] = "get=1\n\n";
	char path[sizeof(UAPI_SOCKET_DIR) + IFNAMSIZ + 8];
	char *reply = NULL;
	size_t len = 0;
	int ret;

	*dev = NULL;
	ret = uapi_path(path, sizeof(path), ifname);
	if (ret < 0)
		return ret;
	ret = uapi_exchange(ifname, path, req, sizeof(req) - 1, &reply, &len, UAPI_IDLE_TIMEOUT_MS);
	if (ret < 0)
		return ret;
	ret = uapi_parse_get(dev, ifname, reply, len);
	uapi_request_free(&reply, len);
	return ret;
}

static int uapi_set_device(const struct wg_device *dev)
{
	char path[sizeof(UAPI_SOCKET_DIR) + IFNAMSIZ + 8];
	char *req = NULL, *reply = NULL;
	size_t reqlen = 0, len = 0;
	int ret;

	ret = uapi_path(path, sizeof(path), dev->name);
	if (ret < 0)
		return ret;
	ret = uapi_request_set(&req, &reqlen, dev);
	if (ret < 0)
		return ret;
	ret = uapi_exchange(dev->name, path, req, reqlen, &reply, &len, UAPI_IDLE_TIMEOUT_MS);
	uapi_request_free(&req, reqlen);
	if (ret < 0)
		return ret;
	ret = uapi_parse_set(dev->name, reply, len);
	uapi_request_free(&reply, len);
	return ret;
}

const struct wg_backend wg_backend_uapi = {
	.name = "userspace",
	.get_device = uapi_get_device,
	.set_device = uapi_set_device,
};

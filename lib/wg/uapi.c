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
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "wg/uapi.h"
#include "wg/uapi_text.h"

/* UAPI_SOCKET_DIR/IF.sock */
#define SOCK_PATH_LEN (sizeof(UAPI_SOCKET_DIR) + IFNAMSIZ + 8)

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

static int uapi_connect(const char *ifname, const char *path, int *fd, int idle_timeout_ms,
			char err[ERR_LEN])
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int64_t deadline = now_ms() + idle_timeout_ms;
	int s, ret;

	*fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		wg_err(err, "%s: UAPI socket path too long: %s", ifname, path);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0) {
		ret = -errno;
		wg_err(err, "%s: cannot make a unix socket: %s", ifname, strerror(errno));
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
			wg_err(err, "%s: no such WireGuard interface (no UAPI socket %s)", ifname,
			       path);
		else if (errno == ECONNREFUSED)
			wg_err(err,
			       "%s: UAPI socket %s refuses connections: the userspace WireGuard "
			       "behind it is gone",
			       ifname, path);
		else if (errno == EAGAIN)
			wg_err(err, "%s: UAPI socket %s did not accept the connection within %d ms",
			       ifname, path, idle_timeout_ms);
		else if (errno == EACCES || errno == EPERM)
			wg_err(err, "%s: UAPI socket %s: permission denied (needs root)", ifname,
			       path);
		else
			wg_err(err, "%s: UAPI socket %s: %s", ifname, path, strerror(errno));
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

struct uapi_conn {
	const char *ifname, *path;
	int fd;
	int idle_timeout_ms;
	int64_t idle, total; /* deadlines, now_ms() clock */
	char *err;           /* ERR_LEN bytes */
};

/*
 * Waits until fd is ready for events; 0 (with *revents), or -errno with a
 * line in c->err. The total deadline is checked before each poll: a server that
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
			wg_err(c->err, "%s: waiting on UAPI socket %s: %s", c->ifname, c->path,
			       strerror(errno));
			return ret;
		}
	}
	if (now_ms() < c->total)
		wg_err(c->err, "%s: UAPI socket %s did not answer within %d ms", c->ifname, c->path,
		       c->idle_timeout_ms);
	else
		wg_err(c->err, "%s: UAPI socket %s: exchange took longer than %d ms", c->ifname,
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
			wg_err(c->err, "%s: writing to UAPI socket %s: %s", c->ifname, c->path,
			       strerror(errno));
			return ret;
		}
		sent += (size_t)n;
		c->idle = now_ms() + c->idle_timeout_ms;
	}
	return 0;
}

/* Where the reply in r ends, or 0; scan is where new bytes may complete
 * it (the end may straddle two reads). */
static size_t reply_end_from(const struct strbuf *r, size_t scan)
{
	const char *p;

	if (scan == 0)
		return uapi_text_reply_end(r->buf, r->len);
	p = memmem(r->buf + scan, r->len - scan, "\n\n", 2);
	return p != NULL ? (size_t)(p - r->buf) + 2 : 0;
}

/* Reads through the blank line that ends a reply, or to a hangup; the
 * reply is the first *end bytes of r. */
static int uapi_recv(struct uapi_conn *c, struct strbuf *r, size_t *end)
{
	char chunk[16384];
	short revents = 0;
	size_t room, scan;
	ssize_t n;
	int ret = 0;

	c->idle = now_ms() + c->idle_timeout_ms;
	while (*end == 0) {
		room = r->max - r->len;
		if (room == 0) {
			wg_err(c->err, "%s: UAPI reply longer than %u bytes", c->ifname,
			       UAPI_REPLY_MAX);
			ret = -EMSGSIZE;
			break;
		}
		ret = uapi_wait(c, POLLIN, &revents);
		if (ret < 0)
			break;
		n = recv(c->fd, chunk, room < sizeof(chunk) ? room : sizeof(chunk), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno != ECONNRESET) {
			ret = -errno;
			wg_err(c->err, "%s: reading UAPI socket %s: %s", c->ifname, c->path,
			       strerror(errno));
			break;
		}
		/* A reset is a hangup with our request unread. */
		if (n <= 0) {
			if (r->len == 0) {
				wg_err(c->err, "%s: UAPI socket %s closed without a reply",
				       c->ifname, c->path);
				ret = -ECONNRESET;
				break;
			}
			*end = r->len; /* the parser tells what is missing */
			break;
		}
		scan = r->len > 0 ? r->len - 1 : 0;
		strbuf_add(r, chunk, (size_t)n);
		ret = strbuf_error(r);
		if (ret < 0) {
			wg_err(c->err, "%s: out of memory reading the UAPI reply", c->ifname);
			break;
		}
		*end = reply_end_from(r, scan);
		c->idle = now_ms() + c->idle_timeout_ms;
	}
	sodium_memzero(chunk, sizeof(chunk)); /* it may hold the private key */
	return ret;
}

int uapi_exchange(const char *ifname, const char *path, const char *req, size_t reqlen,
		  struct strbuf *reply, int idle_timeout_ms, char err[ERR_LEN])
{
	struct uapi_conn c = {
		.ifname = ifname, .path = path, .idle_timeout_ms = idle_timeout_ms, .err = err};
	size_t end = 0;
	int ret;

	strbuf_init_max(reply, UAPI_REPLY_MAX);
	c.total = now_ms() + UAPI_TOTAL_TIMEOUT_MS;
	ret = uapi_connect(ifname, path, &c.fd, idle_timeout_ms, err);
	if (ret < 0)
		return ret;
	c.idle = now_ms() + idle_timeout_ms;
	ret = uapi_send(&c, req, reqlen);
	if (ret == 0)
		ret = uapi_recv(&c, reply, &end);
	close(c.fd);
	if (ret < 0) {
		strbuf_finish(reply);
		return ret;
	}
	/* Anything after the end was not asked for. */
	strbuf_truncate(reply, end);
	return 0;
}

/* The backend can be called directly (wgipc.h exports it), so it checks
 * names itself: "../x" must not reach a socket outside UAPI_SOCKET_DIR. */
static int uapi_path(char *out, size_t outlen, const char *ifname, char err[ERR_LEN])
{
	int ret = wg_check_ifname(ifname, err);

	if (ret < 0)
		return ret;
	snprintf(out, outlen, "%s/%s.sock", UAPI_SOCKET_DIR, ifname);
	return 0;
}

bool uapi_serves(const char *ifname)
{
	char path[SOCK_PATH_LEN], err[ERR_LEN];
	struct stat st;

	return uapi_path(path, sizeof(path), ifname, err) == 0 && stat(path, &st) == 0 &&
	       S_ISSOCK(st.st_mode);
}

int uapi_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN])
{
	static const char req[] = "get=1\n\n";
	char path[SOCK_PATH_LEN];
	struct strbuf reply;
	int ret;

	*dev = NULL;
	ret = uapi_path(path, sizeof(path), ifname, err);
	if (ret < 0)
		return ret;
	ret = uapi_exchange(ifname, path, req, sizeof(req) - 1, &reply, UAPI_IDLE_TIMEOUT_MS, err);
	if (ret == 0)
		ret = uapi_text_parse_get(dev, ifname, reply.buf, reply.len, err);
	strbuf_finish(&reply);
	return ret;
}

int uapi_set_device(const struct wg_device *dev, char err[ERR_LEN])
{
	char path[SOCK_PATH_LEN];
	struct strbuf req, reply;
	int ret;

	ret = uapi_path(path, sizeof(path), dev->name, err);
	if (ret < 0)
		return ret;
	strbuf_init(&req);
	ret = uapi_text_request_set(&req, dev, err);
	if (ret == 0)
		ret = uapi_exchange(dev->name, path, req.buf, req.len, &reply, UAPI_IDLE_TIMEOUT_MS,
				    err);
	strbuf_finish(&req);
	if (ret < 0)
		return ret;
	ret = uapi_text_parse_set(dev->name, reply.buf, reply.len, err);
	strbuf_finish(&reply);
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * The control socket: AF_UNIX stream, mode 0600 in a 0700 directory, and
 * only uid 0 (SO_PEERCRED) gets past accept. One request per connection,
 * capped at CTL_MAX_REQUEST bytes; whatever a client sends, the daemon
 * answers or hangs up, and goes on. A client has CLIENT_TIMEOUT_S to send
 * its request and, while its reply is written, to read more of it: one
 * that goes quiet is hung up on, so silent connections cannot hold the
 * MAX_CLIENTS slots and lock the admin out.
 *
 * Below run.c; above handlers.c, which answers each request.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/atomicfile.h"
#include "monitor/audit.h"
#include "gateway/ctl.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "monitor/control.h"
#include "monitor/handlers.h"

#define MAX_CLIENTS      32
#define CLIENT_TIMEOUT_S 5

struct client {
	struct vpnd *d;
	struct loop_source *src;
	struct loop_source *timer; /* CLOCK_MONOTONIC: setting the wall clock moves nothing */
	struct ucred cred;
	char in[CTL_MAX_REQUEST + 2];
	size_t in_len;
	struct strbuf out;
	size_t out_off;
	bool writing;
};

static void client_close(struct client *c)
{
	c->d->n_clients--;
	loop_remove(c->d->loop, &c->src);
	loop_remove(c->d->loop, &c->timer);
	strbuf_finish(&c->out);
	free(c);
}

static void refuse(struct client *c, const char *why)
{
	char uid[16], pid[16];

	c->d->refused++;
	snprintf(uid, sizeof(uid), "%d", (int)c->cred.uid);
	snprintf(pid, sizeof(pid), "%d", (int)c->cred.pid);
	audit_event("refused", "uid", uid, "pid", pid, "reason", why, NULL);
}

static void client_deadline(struct client *c)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	loop_timer_set(c->timer, (uint64_t)now.tv_sec * NS_PER_SEC + (uint64_t)now.tv_nsec +
					 CLIENT_TIMEOUT_S * NS_PER_SEC);
}

static int client_write(struct client *c, int fd)
{
	size_t start = c->out_off;

	while (c->out_off < c->out.len) {
		ssize_t n = write(fd, c->out.buf + c->out_off, c->out.len - c->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* A slow reader gets its time again after each part it takes. */
			if (c->out_off > start)
				client_deadline(c);
			return 0;
		}
		if (n < 0)
			break; /* the client went away: nothing to do */
		c->out_off += (size_t)n;
	}
	client_close(c);
	return 0;
}

static void client_answer(struct client *c, int fd)
{
	struct ctl_request *req = malloc(sizeof(*req));
	char err[ERR_LEN];

	if (req == NULL) {
		ctl_reply_error(&c->out, "out of memory");
	} else if (ctl_request_parse(req, c->in, c->in_len, err) < 0) {
		refuse(c, err);
		ctl_reply_error(&c->out, "malformed request: %s", err);
	} else {
		handlers_request(c->d, req, c->cred.uid, c->cred.pid, &c->out);
	}
	if (req != NULL) {
		memset(req->buf, 0, sizeof(req->buf));
		free(req);
	}
	memset(c->in, 0, sizeof(c->in));
	if (c->out.failed) {
		strbuf_reset(&c->out);
		c->out.failed = false;
		ctl_reply_error(&c->out, "out of memory");
	}
	c->writing = true;
	client_deadline(c);
	if (loop_modify_fd(c->d->loop, c->src, EPOLLOUT) < 0) {
		client_close(c);
		return;
	}
	client_write(c, fd);
}

static int client_cb(int fd, uint32_t events, void *data)
{
	struct client *c = data;
	ssize_t n;

	if (c->writing)
		return client_write(c, fd);
	n = read(fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		client_close(c);
		return 0;
	}
	c->in_len += (size_t)n;
	if (c->in_len > CTL_MAX_REQUEST) {
		refuse(c, "request too long");
		ctl_reply_error(&c->out, "request longer than %d bytes", CTL_MAX_REQUEST);
		c->writing = true;
		loop_modify_fd(c->d->loop, c->src, EPOLLOUT);
		return client_write(c, fd);
	}
	/* A request ends at its newline, or when the client shuts down writing. */
	if (n == 0 || memchr(c->in, '\n', c->in_len) != NULL) {
		char *nl = memchr(c->in, '\n', c->in_len);

		if (nl != NULL)
			c->in_len = (size_t)(nl - c->in) + 1;
		if (c->in_len == 0 && n == 0) {
			client_close(c);
			return 0;
		}
		client_answer(c, fd);
	}
	return 0;
}

static int client_timeout_cb(int fd, uint32_t events, void *data)
{
	struct client *c = data;

	if (!c->writing)
		refuse(c, "no request within the timeout");
	else
		log_info("control client (pid %d) stopped reading its reply; hung up",
			 (int)c->cred.pid);
	client_close(c);
	return 0;
}

static int listener_cb(int lfd, uint32_t events, void *data)
{
	struct vpnd *d = data;
	socklen_t len = sizeof(struct ucred);
	struct client *c;
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	c = calloc(1, sizeof(*c));
	if (c == NULL || d->n_clients >= MAX_CLIENTS) {
		free(c);
		close(fd);
		return 0;
	}
	c->d = d;
	strbuf_init(&c->out);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0 || c->cred.uid != 0) {
		static const char msg[] = "error permission denied: only root may control vpnd\n";

		refuse(c, "not root");
		if (write(fd, msg, sizeof(msg) - 1) < 0) {
			/* nothing more to say to it */
		}
		close(fd);
		free(c);
		return 0;
	}
	c->src = loop_add_fd(d->loop, fd, EPOLLIN, client_cb, c);
	if (c->src == NULL) {
		close(fd);
		free(c);
		return 0;
	}
	d->n_clients++;
	/* The request must come within the timeout from here, however it
	 * trickles in; without a timer the client is not served at all. */
	c->timer = loop_add_timer(d->loop, CLOCK_MONOTONIC, client_timeout_cb, c);
	if (c->timer == NULL) {
		client_close(c);
		return 0;
	}
	client_deadline(c);
	return 0;
}

int control_open(struct vpnd *d)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *path = d->conf.control_socket;
	char dir[sizeof(sun.sun_path)];
	char *slash;
	mode_t old;
	int fd, ret;

	strcpy(sun.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		ret = atomicfile_mkdirs(dir, 0700);
		if (ret < 0) {
			log_error("cannot make %s: %s", dir, strerror(-ret));
			return ret;
		}
	}
	/* A socket that answers belongs to another vpnd: never steal it. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (ret == 0) {
		log_error("another vpnd is running on %s", path);
		return -EADDRINUSE;
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0077);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ret < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		ret = -errno;
		log_error("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	d->listener = loop_add_fd(d->loop, fd, EPOLLIN, listener_cb, d);
	if (d->listener == NULL) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

void control_close(struct vpnd *d)
{
	if (d->listener == NULL)
		return;
	loop_remove(d->loop, &d->listener);
	unlink(d->conf.control_socket);
}

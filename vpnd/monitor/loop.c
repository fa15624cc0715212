/* SPDX-License-Identifier: ISC */
/* The event loop (loop.h); the bottom layer, under every module that
 * watches a descriptor or a timer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "monitor/loop.h"

struct loop_source {
	int fd;
	loop_cb cb;
	void *data;
	bool removed;
	struct loop_source *next;
};

struct loop {
	int epfd;
	struct loop_source *sources;
	bool dispatching;
};

int loop_create(struct loop **out)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int ret = -errno;

		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

static void loop_reap(struct loop *l, bool all)
{
	struct loop_source **pp = &l->sources;

	while (*pp != NULL) {
		struct loop_source *s = *pp;

		if (all || s->removed) {
			*pp = s->next;
			close(s->fd);
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

void loop_destroy(struct loop **lp)
{
	struct loop *l = *lp;

	if (l == NULL)
		return;
	loop_reap(l, true);
	close(l->epfd);
	free(l);
	*lp = NULL;
}

struct loop_source *loop_add_fd(struct loop *l, int fd, uint32_t events, loop_cb cb, void *data)
{
	struct loop_source *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = events};

	if (s == NULL)
		return NULL;
	s->fd = fd;
	s->cb = cb;
	s->data = data;
	ev.data.ptr = s;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(s);
		return NULL;
	}
	s->next = l->sources;
	l->sources = s;
	return s;
}

int loop_modify_fd(struct loop *l, struct loop_source *s, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = s};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

struct loop_source *loop_add_timer(struct loop *l, clockid_t clock, loop_cb cb, void *data)
{
	int fd = timerfd_create(clock, TFD_CLOEXEC | TFD_NONBLOCK);
	struct loop_source *s;

	if (fd < 0)
		return NULL;
	s = loop_add_fd(l, fd, EPOLLIN, cb, data);
	if (s == NULL)
		close(fd);
	return s;
}

int loop_timer_set(struct loop_source *t, uint64_t at_ns)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)(at_ns / NS_PER_SEC);
	its.it_value.tv_nsec = (long)(at_ns % NS_PER_SEC);
	return timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) < 0 ? -errno : 0;
}

struct loop_source *loop_add_signals(struct loop *l, const sigset_t *set, loop_cb cb, void *data)
{
	struct loop_source *s;
	int fd;

	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return NULL;
	fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return NULL;
	s = loop_add_fd(l, fd, EPOLLIN, cb, data);
	if (s == NULL)
		close(fd);
	return s;
}

void loop_remove(struct loop *l, struct loop_source **sp)
{
	struct loop_source *s = *sp;

	if (s == NULL)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	s->removed = true;
	*sp = NULL;
	if (!l->dispatching)
		loop_reap(l, false);
}

int loop_source_fd(const struct loop_source *s)
{
	return s->fd;
}

int loop_dispatch(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[32];
	int n = epoll_wait(l->epfd, ev, 32, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	l->dispatching = true;
	for (int i = 0; i < n; i++) {
		struct loop_source *s = ev[i].data.ptr;
		int ret;

		if (s->removed)
			continue;
		ret = s->cb(s->fd, ev[i].events, s->data);
		if (ret < 0)
			log_debug("callback for fd %d: %s", s->fd, strerror(-ret));
	}
	l->dispatching = false;
	loop_reap(l, false);
	return 0;
}

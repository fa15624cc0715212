/* SPDX-License-Identifier: ISC */
/*
 * The event loop of vpnd: epoll over file descriptors, timerfd timers and a
 * signalfd. Callbacks have the form int (*)(int fd, uint32_t events, void
 * *data); a negative return is logged and the loop goes on. Removing a
 * source, even from inside its own callback, only marks it; it is freed
 * after the current round of events, so no callback ever sees a freed one.
 */
#ifndef KEYGATE_LOOP_H
#define KEYGATE_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef int (*loop_cb)(int fd, uint32_t events, void *data);

struct loop;
struct loop_source;

int loop_create(struct loop **loop);
/* Closes every source's fd (fds given to loop_add_fd too). */
void loop_destroy(struct loop **loop);

/* Watches fd (EPOLLIN, EPOLLOUT ...); the loop owns fd from here on. */
struct loop_source *loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_cb cb, void *data);
int loop_modify_fd(struct loop *loop, struct loop_source *src, uint32_t events);
/* A timerfd on clock (CLOCK_BOOTTIME, CLOCK_MONOTONIC), disarmed. */
struct loop_source *loop_add_timer(struct loop *loop, clockid_t clock, loop_cb cb, void *data);
/* Arms the timer for an absolute time in ns on its clock; 0 disarms. */
int loop_timer_set(struct loop_source *timer, uint64_t at_ns);
/* Blocks the signals and delivers them through a signalfd; the callback
 * reads one struct signalfd_siginfo per call. */
struct loop_source *loop_add_signals(struct loop *loop, const sigset_t *set, loop_cb cb,
				     void *data);
/* Deferred: the fd is closed and the source freed after this round. */
void loop_remove(struct loop *loop, struct loop_source **src);
int loop_source_fd(const struct loop_source *src);

/* Waits for events (timeout in ms, -1 forever) and runs their callbacks;
 * 0 or -errno from epoll_wait (EINTR is 0). */
int loop_dispatch(struct loop *loop, int timeout_ms);

#endif

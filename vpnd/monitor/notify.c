/* SPDX-License-Identifier: ISC */
/* systemd's readiness and watchdog protocol (notify.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "base/clock.h"
#include "base/log.h"
#include "monitor/notify.h"

struct notify {
	struct loop_source *timer;
	uint64_t interval_ns; /* between pings; 0: no watchdog */
	bool warned;
};

/* systemd measures the watchdog on CLOCK_MONOTONIC, so the pings count on
 * it too: both stand still while the host is suspended. */
static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void send_state(struct notify *n, const char *state)
{
	int ret = sd_notify(0, state);

	/* A socket that went away says so every ping: warn once. */
	if (ret < 0 && !n->warned) {
		log_warn("cannot tell systemd '%s': %s", state, strerror(-ret));
		n->warned = true;
	}
}

static int ping_cb(int fd, uint32_t events, void *data)
{
	struct notify *n = data;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	send_state(n, "WATCHDOG=1");
	return loop_timer_set(n->timer, monotonic_ns() + n->interval_ns);
}

int notify_create(struct notify **out, struct loop *loop)
{
	struct notify *n = calloc(1, sizeof(*n));
	uint64_t usec = 0;
	int ret;

	if (n == NULL)
		return -ENOMEM;
	/* 0 leaves WATCHDOG_USEC in the environment, where the network child
	 * finds it too; its WATCHDOG_PID is not the child's, so it is ignored. */
	ret = sd_watchdog_enabled(0, &usec);
	if (ret < 0)
		log_warn("ignoring systemd's watchdog settings: %s", strerror(-ret));
	if (ret > 0 && usec > 0) {
		n->interval_ns = usec * 1000 / 2;
		n->timer = loop_add_timer(loop, CLOCK_MONOTONIC, ping_cb, n);
		if (n->timer == NULL) {
			ret = -errno;
			goto fail;
		}
		if ((ret = loop_timer_set(n->timer, monotonic_ns() + n->interval_ns)) < 0)
			goto fail;
		log_info("systemd watchdog: %" PRIu64 " ms, a ping every %" PRIu64 " ms",
			 usec / 1000, n->interval_ns / 1000000);
	}
	*out = n;
	return 0;
fail:
	log_error("cannot arm the watchdog timer: %s", strerror(-ret));
	notify_destroy(&n, loop);
	return ret;
}

void notify_destroy(struct notify **np, struct loop *loop)
{
	struct notify *n = *np;

	if (n == NULL)
		return;
	if (loop != NULL)
		loop_remove(loop, &n->timer);
	free(n);
	*np = NULL;
}

void notify_ready(struct notify *n)
{
	/* A ping with it: systemd's watchdog starts counting here. */
	send_state(n, "READY=1\nWATCHDOG=1");
}

void notify_reloading(struct notify *n)
{
	char msg[64];

	/* MONOTONIC_USEC lets a newer systemd tell this reload from an
	 * earlier one (it requires it of Type=notify-reload). */
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, monotonic_ns() / 1000);
	send_state(n, msg);
}

void notify_stopping(struct notify *n)
{
	send_state(n, "STOPPING=1");
}

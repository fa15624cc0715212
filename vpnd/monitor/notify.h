/* SPDX-License-Identifier: ISC */
/*
 * Telling systemd how vpnd is doing (sd_notify(3)), for the unit's
 * Type=notify and WatchdogSec=: READY=1 once vpnd serves, RELOADING=1 and
 * READY=1 around a reload, STOPPING=1 on the way out, and WATCHDOG=1 from a
 * timer of the event loop, so the pings stop when the loop does (a frozen
 * or wedged vpnd is killed and restarted). Without systemd (no
 * NOTIFY_SOCKET) every call does nothing.
 *
 * The bottom layer of the monitor (daemon.h): it knows the loop only.
 */
#ifndef VPND_NOTIFY_H
#define VPND_NOTIFY_H

#include "monitor/loop.h"

struct notify;

/* Arms the watchdog pings on a timer of loop, at half the interval systemd
 * asked for, when it asked for one; 0 or -errno. */
int notify_create(struct notify **out, struct loop *loop);
/* Removes the timer from loop (before loop_destroy); accepts NULL. */
void notify_destroy(struct notify **n, struct loop *loop);

/* Serving: systemd takes the unit for started (or reloaded) now. */
void notify_ready(struct notify *n);
void notify_reloading(struct notify *n);
void notify_stopping(struct notify *n);

#endif

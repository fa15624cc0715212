/* SPDX-License-Identifier: ISC */
/*
 * Desktop notifications for `enroll watch` (notice.c): the
 * org.freedesktop.Notifications interface on the user's session bus,
 * through sd-bus.
 */
#ifndef KEYGATE_ENROLL_NOTICE_H
#define KEYGATE_ENROLL_NOTICE_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/text.h"

struct notice {
	char bus[256]; /* the session bus address */
	bool drop;     /* we are root for the user uid: talk to the bus as them */
	uid_t uid;
	gid_t gid;
};

/*
 * Whose bus: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus. Run as
 * root through sudo (SUDO_UID), the notices go to that user's bus, posted
 * by a child that has become that user (a session bus admits its own user
 * only). 0, or -EINVAL with err.
 */
int notice_init(struct notice *n, char err[ERR_LEN]);
/* Is anybody showing notices? 0, or -errno with one line in err (no
 * session bus, no notification service on it). */
int notice_check(const struct notice *n, char err[ERR_LEN]);
/* Posts one notice; urgent ones stay until dismissed. 0, or -errno with
 * err. Never takes longer than a few seconds. */
int notice_post(const struct notice *n, const char *summary, const char *body, bool urgent,
		char err[ERR_LEN]);

#endif

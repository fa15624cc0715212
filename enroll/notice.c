/* SPDX-License-Identifier: ISC */
/*
 * Posting desktop notifications. Each call forks a child that connects to
 * the session bus, makes one call and exits: a bus or a notification
 * daemon that hangs can only cost the call's timeout, and when enroll runs
 * as root for a user (sudo) the child becomes that user first, as the
 * session bus admits its owner only. The child's one line of error comes
 * back through a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "notice.h"

#define NOTICE_DEST  "org.freedesktop.Notifications"
#define NOTICE_PATH  "/org/freedesktop/Notifications"
#define CALL_TIMEOUT (5 * 1000 * 1000) /* microseconds */

static int number(const char *s, unsigned long *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out > 0 && *out < 0x7fffffff ? 0 : -EINVAL;
}

int notice_init(struct notice *n, char err[ERR_LEN])
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	unsigned long uid, gid;

	memset(n, 0, sizeof(*n));
	if (geteuid() == 0 && getenv("SUDO_UID") != NULL) {
		if (number(getenv("SUDO_UID"), &uid) < 0 || number(getenv("SUDO_GID"), &gid) < 0) {
			text_err(err, "invalid SUDO_UID '%s' or SUDO_GID", getenv("SUDO_UID"));
			return -EINVAL;
		}
		n->drop = true;
		n->uid = (uid_t)uid;
		n->gid = (gid_t)gid;
		/* sudo keeps no bus address; the user's bus is at its usual place. */
		if (addr == NULL)
			snprintf(n->bus, sizeof(n->bus), "unix:path=/run/user/%lu/bus", uid);
	}
	if (n->bus[0] == '\0') {
		if (addr != NULL && strlen(addr) < sizeof(n->bus))
			snprintf(n->bus, sizeof(n->bus), "%s", addr);
		else if (rt != NULL && strlen(rt) < sizeof(n->bus) - 20)
			snprintf(n->bus, sizeof(n->bus), "unix:path=%s/bus", rt);
	}
	if (n->bus[0] == '\0') {
		text_err(err, "no session bus: neither DBUS_SESSION_BUS_ADDRESS nor "
			      "XDG_RUNTIME_DIR is set");
		return -EINVAL;
	}
	return 0;
}

/* In the child: one call; 0 or -errno with err. */
static int call(const struct notice *n, const char *summary, const char *body, bool urgent,
		char err[ERR_LEN])
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *bus = NULL;
	int r;

	if ((r = sd_bus_new(&bus)) < 0 || (r = sd_bus_set_address(bus, n->bus)) < 0 ||
	    (r = sd_bus_set_bus_client(bus, 1)) < 0 ||
	    (r = sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT)) < 0 ||
	    (r = sd_bus_start(bus)) < 0) {
		text_err(err, "no session bus at '%s': %s", n->bus, strerror(-r));
		goto out;
	}
	if (summary == NULL)
		r = sd_bus_call_method(bus, NOTICE_DEST, NOTICE_PATH, NOTICE_DEST,
				       "GetServerInformation", &e, &reply, "");
	else
		/* Notify(app, replaces, icon, summary, body, actions, hints,
		 * timeout): no actions; urgency 2 (critical) stays on screen. */
		r = sd_bus_call_method(bus, NOTICE_DEST, NOTICE_PATH, NOTICE_DEST, "Notify", &e,
				       &reply, "susssasa{sv}i", "keygate", 0, "network-vpn",
				       summary, body, 0, 1, "urgency", "y", urgent ? 2 : 1,
				       urgent ? 0 : -1);
	if (r < 0) {
		if (sd_bus_error_has_name(&e, SD_BUS_ERROR_SERVICE_UNKNOWN) ||
		    sd_bus_error_has_name(&e, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
			text_err(err, "no notification service on the session bus (nothing "
				      "owns " NOTICE_DEST ")");
		else
			text_err(err, "the notification service failed: %s",
				 e.message != NULL ? e.message : strerror(-r));
	}
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

static int run(const struct notice *n, const char *summary, const char *body, bool urgent,
	       char err[ERR_LEN])
{
	char line[ERR_LEN] = "";
	ssize_t got;
	size_t len = 0;
	int pfd[2], status, r;
	pid_t pid;

	err[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		char e[ERR_LEN] = "";

		close(pfd[0]);
		if (n->drop &&
		    (setgroups(0, NULL) < 0 || setgid(n->gid) < 0 || setuid(n->uid) < 0)) {
			text_err(e, "cannot become uid %u to reach its session bus: %s",
				 (unsigned)n->uid, strerror(errno));
			r = -EPERM;
		} else {
			r = call(n, summary, body, urgent, e);
		}
		if (r < 0 && write(pfd[1], e, strlen(e)) < 0)
			_exit(2);
		_exit(r < 0 ? 1 : 0);
	}
	close(pfd[1]);
	while ((got = read(pfd[0], line + len, sizeof(line) - 1 - len)) > 0 ||
	       (got < 0 && errno == EINTR))
		if (got > 0)
			len += (size_t)got;
	close(pfd[0]);
	line[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	text_err(err, "%s", line[0] != '\0' ? line : "the notice could not be posted");
	return -EIO;
}

int notice_check(const struct notice *n, char err[ERR_LEN])
{
	return run(n, NULL, NULL, false, err);
}

int notice_post(const struct notice *n, const char *summary, const char *body, bool urgent,
		char err[ERR_LEN])
{
	return run(n, summary, body, urgent, err);
}

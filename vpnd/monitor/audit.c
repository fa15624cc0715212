/* SPDX-License-Identifier: ISC */
/* The audit trail (audit.h); the bottom layer: every module may audit. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monitor/audit.h"
#include "base/clock.h"
#include "base/strbuf.h"

static int audit_fd = -1;

int audit_open(const char *path)
{
	int fd;

	audit_close();
	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	audit_fd = fd;
	return 0;
}

const char *audit_hint(int err)
{
	if (err != -EROFS && err != -EACCES && err != -EPERM && err != -ENOENT)
		return "";
	return " (under the systemd unit only the state directory and /var/log/vpnd are "
	       "writable, ProtectSystem=strict: put AuditLog in /var/log/vpnd, or give its "
	       "folder to the unit with ReadWritePaths= in a drop-in)";
}

void audit_close(void)
{
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = -1;
}

static void add_value(struct strbuf *sb, const char *v)
{
	bool quote = *v == '\0' || strpbrk(v, " \"=\\\t") != NULL;

	if (!quote) {
		for (const char *p = v; *p != '\0'; p++)
			strbuf_add(sb, (unsigned char)*p < ' ' ? "?" : p, 1);
		return;
	}
	strbuf_add(sb, "\"", 1);
	for (const char *p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_add(sb, "\\", 1);
		strbuf_add(sb, (unsigned char)*p < ' ' ? "?" : p, 1);
	}
	strbuf_add(sb, "\"", 1);
}

void audit_event(const char *event, ...)
{
	char now[32];
	struct strbuf sb;
	const char *k;
	va_list ap;

	strbuf_init(&sb);
	clock_format_utc(now, sizeof(now), clock_wall());
	strbuf_printf(&sb, "audit time=%s event=%s", now, event);
	va_start(ap, event);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);

		strbuf_printf(&sb, " %s=", k);
		add_value(&sb, v != NULL ? v : "-");
	}
	va_end(ap);
	strbuf_add(&sb, "\n", 1);
	if (!sb.failed) {
		fprintf(stderr, "vpnd: %s", sb.buf);
		if (audit_fd >= 0 && write(audit_fd, sb.buf, sb.len) < 0)
			fprintf(stderr, "vpnd: warning: cannot write the audit log: %s\n",
				strerror(errno));
	}
	strbuf_finish(&sb);
}

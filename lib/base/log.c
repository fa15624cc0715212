/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"

static const char *log_prog = "keygate";
static enum log_level log_level = LOGL_INFO;

void log_init(const char *prog, enum log_level level)
{
	if (prog != NULL)
		log_prog = prog;
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (level > log_level)
		goto out;
	/* Errors and info are for people: no function names. */
	if (level == LOGL_WARN || level == LOGL_DEBUG)
		fprintf(stderr, "%s: %s: %s: ", log_prog, level == LOGL_WARN ? "warning" : "debug",
			func);
	else
		fprintf(stderr, "%s: ", log_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
out:
	errno = saved;
}

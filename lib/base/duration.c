/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>

#include "base/duration.h"

int duration_parse(uint64_t *seconds, const char *s)
{
	uint64_t n = 0, unit;
	const char *p = s;

	if (s == NULL || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > DURATION_MAX)
			return -EINVAL;
	}
	switch (*p) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (p[1] != '\0' || n == 0 || n * unit > DURATION_MAX)
		return -EINVAL;
	*seconds = n * unit;
	return 0;
}

void duration_format(char *out, size_t len, uint64_t seconds)
{
	if (seconds != 0 && seconds % 86400 == 0)
		snprintf(out, len, "%llud", (unsigned long long)(seconds / 86400));
	else if (seconds != 0 && seconds % 3600 == 0)
		snprintf(out, len, "%lluh", (unsigned long long)(seconds / 3600));
	else if (seconds != 0 && seconds % 60 == 0)
		snprintf(out, len, "%llum", (unsigned long long)(seconds / 60));
	else
		snprintf(out, len, "%llus", (unsigned long long)seconds);
}

void duration_format_approx(char *out, size_t len, uint64_t s)
{
	unsigned long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;

	if (d > 0)
		snprintf(out, len, "%llud%lluh", d, h);
	else if (h > 0)
		snprintf(out, len, "%lluh%llum", h, m);
	else if (m > 0)
		snprintf(out, len, "%llum%llus", m, sec);
	else
		snprintf(out, len, "%llus", sec);
}

void duration_format_minutes(char *out, size_t len, uint64_t s)
{
	unsigned long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;

	if (d > 0)
		snprintf(out, len, "%llud%lluh", d, h);
	else if (h > 0)
		snprintf(out, len, "%lluh%02llum", h, m);
	else if (m > 0)
		snprintf(out, len, "%llum", m);
	else
		snprintf(out, len, "%llus", (unsigned long long)s);
}

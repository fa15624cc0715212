/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

uint64_t clock_boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

int64_t clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t clock_wall_at(uint64_t boot_ns)
{
	struct timespec rt;
	uint64_t now = clock_boot_ns();
	int64_t wall_ns;

	clock_gettime(CLOCK_REALTIME, &rt);
	wall_ns = (int64_t)rt.tv_sec * (int64_t)NS_PER_SEC + rt.tv_nsec;
	wall_ns += boot_ns >= now ? (int64_t)(boot_ns - now) : -(int64_t)(now - boot_ns);
	return (wall_ns + (int64_t)NS_PER_SEC / 2) / (int64_t)NS_PER_SEC;
}

int clock_boot_id(char out[BOOT_ID_LEN + 1])
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, out, BOOT_ID_LEN);
	close(fd);
	if (n != BOOT_ID_LEN)
		return -EIO;
	out[BOOT_ID_LEN] = '\0';
	return 0;
}

void clock_format_utc(char *out, size_t len, int64_t wall)
{
	time_t t = (time_t)wall;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%lld", (long long)wall);
}

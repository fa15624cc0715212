/* SPDX-License-Identifier: ISC */
/*
 * The clocks sessions run on. Deadlines count on CLOCK_BOOTTIME: it never
 * goes back, setting the wall clock does not move it, and unlike
 * CLOCK_MONOTONIC it keeps counting while the host is suspended, so a
 * suspend never stretches a session either. The boot id tells whether a
 * CLOCK_BOOTTIME value saved to disk still means anything.
 */
#ifndef KEYGATE_CLOCK_H
#define KEYGATE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC  1000000000ULL
#define BOOT_ID_LEN 36

/* Nanoseconds on CLOCK_BOOTTIME. */
uint64_t clock_boot_ns(void);
/* Seconds since the epoch, on the wall clock. */
int64_t clock_wall(void);
/* The wall-clock second (rounded) at which CLOCK_BOOTTIME reads boot_ns,
 * by today's wall clock. */
int64_t clock_wall_at(uint64_t boot_ns);
/* /proc/sys/kernel/random/boot_id; 0 or -errno. out holds 37 bytes. */
int clock_boot_id(char out[BOOT_ID_LEN + 1]);
/* "2024-05-01T17:00:00Z"; out holds 32 bytes. */
void clock_format_utc(char *out, size_t len, int64_t wall);

#endif

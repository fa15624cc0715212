/* SPDX-License-Identifier: ISC */
/*
 * Durations as people write them in configs and on the command line: a
 * whole number followed by s, m, h or d ("90s", "30m", "10h", "1d").
 */
#ifndef KEYGATE_DURATION_H
#define KEYGATE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Longest accepted duration: a year. */
#define DURATION_MAX  (366ULL * 24 * 3600)
#define DURATION_HINT "expected a number with s, m, h or d"

/* Seconds, 1 .. DURATION_MAX; 0 or -EINVAL. */
int duration_parse(uint64_t *seconds, const char *s);
/* The shortest exact form: 36000 -> "10h", 5400 -> "90m"; out >= 24 bytes. */
void duration_format(char *out, size_t len, uint64_t seconds);
/* Rounded for people: "9h59m", "4m3s", "12s". */
void duration_format_approx(char *out, size_t len, uint64_t seconds);
/* Rounded down to whole minutes past the first: "1d2h", "2h05m", "11m",
 * "42s" (enroll's session times and clock skews). */
void duration_format_minutes(char *out, size_t len, uint64_t seconds);

#endif

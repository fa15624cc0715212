/* SPDX-License-Identifier: ISC */
/* Clocks and CPU pinning for the benchmarks. */
#ifndef KEYGATE_BENCH_H
#define KEYGATE_BENCH_H

#include <stdint.h>

/* Wall clock (CLOCK_MONOTONIC), in seconds. */
double bench_now_s(void);
/* CPU time of the calling thread: what one core spends, whatever else runs. */
double bench_cpu_s(void);
/* CLOCK_BOOTTIME in milliseconds, as vpnd's loop hands it to actserver. */
uint64_t bench_boot_ms(void);
/* Keeps the calling thread on one core (modulo the cores there are). */
void bench_pin(int cpu);

#endif

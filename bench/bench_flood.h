/* SPDX-License-Identifier: ISC */
/* Part 3 of the activation benchmark: garbage at the mac1 check against a
 * bare receive loop, and activations under the flood. */
#ifndef KEYGATE_BENCH_FLOOD_H
#define KEYGATE_BENCH_FLOOD_H

struct rig;

/* Prints its figures (each rate the best of two measures of `rounds`
 * queue drains); 0, or -errno when no activation got through the flood
 * or the socket could not be set up. */
int bench_flood_run(struct rig *rig, double seconds, int rounds);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The drop counters of table inet keygate (firewall.h: `counter drop` in
 * chains input, forward and tunnel), read back for the metrics.
 */
#ifndef KEYGATE_FIREWALL_COUNT_H
#define KEYGATE_FIREWALL_COUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/firewall.h"

#define FIREWALL_COUNT_CHAINS 3 /* input, forward, tunnel */

struct firewall_count {
	bool have_table;
	uint64_t packets[FIREWALL_COUNT_CHAINS], bytes[FIREWALL_COUNT_CHAINS];
};

/* Reads the table's rules: 0 (a missing table is have_table false, every
 * count 0) or -errno. */
int firewall_count_read(struct firewall *fw, struct firewall_count *c);

#endif

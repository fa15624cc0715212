/* SPDX-License-Identifier: ISC */
/*
 * What keygate's table is made of, written once: the sets, chains and rules
 * that firewall_install puts into a batch are the ones firewall_check
 * compares the kernel's table with.
 */
#ifndef KEYGATE_FIREWALL_BUILD_H
#define KEYGATE_FIREWALL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/firewall.h"
#include "monitor/firewall_nl.h"

#define FIREWALL_BUILD_SETS   5
#define FIREWALL_BUILD_CHAINS 4

struct firewall_build_set {
	const char *name;
	uint32_t flags;
	uint32_t key_type; /* nft's datatype numbers: ipv4_addr 7, ... */
	uint32_t key_len;
};

struct firewall_build_chain {
	const char *name;
	bool base;
	uint32_t hooknum; /* NF_INET_* */
};

extern const struct firewall_build_set firewall_build_sets[FIREWALL_BUILD_SETS];
/* An idle value's window sets, IPv4 and IPv6 (their names vary). */
extern const struct firewall_build_set firewall_build_class_sets[2];
extern const struct firewall_build_chain firewall_build_chains[FIREWALL_BUILD_CHAINS];

/* The whole table: the old one (if any) out and the new one in. */
int firewall_build_table(struct firewall_batch *b, const struct firewall_config *cfg);
/* The table out, if it is there. */
int firewall_build_remove(struct firewall_batch *b);
/* The window sets and the two rules (in chain idle) of one idle value. */
int firewall_build_class(struct firewall_batch *b, uint32_t idle_s);
#endif

/* SPDX-License-Identifier: ISC */
/*
 * The rules of keygate's chains, written once: firewall_install puts them
 * into its batch, firewall_check compares the kernel's with them.
 */
#ifndef KEYGATE_FIREWALL_RULES_H
#define KEYGATE_FIREWALL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/firewall.h"
#include "monitor/firewall_msg.h"

/* The most rules a chain of ours holds. */
#define FIREWALL_RULES_MAX 4

struct nftnl_rule;

/* A rule as it must read back, and how nft shows it. */
struct firewall_rules_want {
	struct firewall_msg_rule msg;
	char text[128];
};

/* The window set of an idle value (0: off) and family: "window4_30s",
 * "window6_off". */
void firewall_rules_window_name(char *out, size_t size, bool v6, uint32_t idle_s);
/* Is name a window set's (only as firewall_rules_window_name spells it)? */
bool firewall_rules_window_parse(const char *name, bool *v6, uint32_t *idle_s);

/* Rule i of chain `chain` (of chain idle: the two rules of idle value
 * idle_s, which has none when 0): 0 with *out,
 * 1 when the chain has no rule i, -ENOMEM. text, when not NULL, gets how
 * nft shows the rule. */
int firewall_rules_make(struct nftnl_rule **out, const struct firewall_config *cfg,
			const char *chain, uint32_t idle_s, int i, char *text, size_t size);
/* Every rule of a chain as it must read back: how many, or -ENOMEM. */
int firewall_rules_expected(const struct firewall_config *cfg, const char *name, uint32_t idle_s,
			    struct firewall_rules_want *out, int max);

#endif

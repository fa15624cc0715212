/* SPDX-License-Identifier: ISC */
/*
 * Table inet keygate as the kernel has it now: read back over netlink
 * into plain arrays, for firewall_check to compare.
 */
#ifndef KEYGATE_FIREWALL_LIVE_H
#define KEYGATE_FIREWALL_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/firewall_msg.h"
#include "monitor/firewall_nl.h"

#define FIREWALL_LIVE_PORTS 64
/* More objects than this in our table is damage enough to stop reading. */
#define FIREWALL_LIVE_MAX 1024

struct firewall_live {
	bool have_table;
	uint32_t table_flags;
	struct firewall_msg_chain *chains;
	size_t n_chains;
	struct firewall_msg_rule *rules; /* in the kernel's order */
	size_t n_rules;
	struct firewall_msg_set *sets;
	size_t n_sets;
	uint16_t ports[FIREWALL_LIVE_PORTS]; /* mailports' elements */
	size_t n_ports;
	bool ports_odd; /* an element that is no port, or too many */
};

void firewall_live_init(struct firewall_live *l);
void firewall_live_finish(struct firewall_live *l);
/* Takes one reply (NFT_MSG_NEWTABLE, NEWCHAIN, NEWRULE, NEWSET, or
 * NEWSETELEM of mailports); objects of other tables are passed over.
 * data is the struct firewall_live. */
int firewall_live_msg(const struct nlmsghdr *nlh, void *data);
/* Reads the table: 0 (a missing table is have_table false) or -errno. */
int firewall_live_read(struct firewall_live *l, struct firewall_nl *nl);

#endif

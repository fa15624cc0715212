/* SPDX-License-Identifier: ISC */
/*
 * The nf_tables objects the firewall reads back from the kernel (a table,
 * its chains, sets, set elements and rules), decoded from netlink messages
 * with every length checked. Only what the firewall compares is kept.
 */
#ifndef KEYGATE_FIREWALL_MSG_H
#define KEYGATE_FIREWALL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/* keygate's names are short; a longer one is kept cut, and is not ours. */
#define FIREWALL_MSG_NAME  64
#define FIREWALL_MSG_KEY   16
#define FIREWALL_MSG_CANON 1024

struct firewall_msg_table {
	char name[FIREWALL_MSG_NAME];
	uint32_t flags;
};

struct firewall_msg_chain {
	char table[FIREWALL_MSG_NAME];
	char name[FIREWALL_MSG_NAME];
	bool base; /* hooked */
	uint32_t hooknum;
	int32_t prio;
	char type[16];
	bool has_policy;
	uint32_t policy;
	uint32_t flags;
};

struct firewall_msg_set {
	char table[FIREWALL_MSG_NAME];
	char name[FIREWALL_MSG_NAME];
	uint32_t flags;
	uint32_t key_type, key_len;
	uint32_t data_type, data_len;
};

struct firewall_msg_elem {
	uint8_t key[FIREWALL_MSG_KEY];
	size_t key_len;
	uint64_t timeout_ms, expires_ms; /* 0: none */
	bool has_verdict;
	int32_t verdict;
	char chain[FIREWALL_MSG_NAME]; /* a jump's or goto's */
};

/* A rule in a canonical form: its expressions' names and attributes in
 * type order, without the counters' numbers and without attributes whose
 * value is all zero (a kernel may send a default we did not), so that a
 * rule read back equals the rule we built, byte for byte. */
struct firewall_msg_rule {
	char table[FIREWALL_MSG_NAME];
	char chain[FIREWALL_MSG_NAME];
	uint64_t handle;
	uint8_t canon[FIREWALL_MSG_CANON];
	size_t canon_len;
	bool too_long;  /* canon is cut: not a rule of ours */
	char names[96]; /* "meta cmp immediate", for messages */
	bool counted;   /* it has a counter, whose numbers follow */
	uint64_t packets, bytes;
};

/* Each takes a whole NFT_MSG_NEW* message (header and nfgenmsg checked by
 * firewall_nl_parse): 0, or -EBADMSG when the attributes do not hold what
 * they must. */
int firewall_msg_table(const struct nlmsghdr *nlh, struct firewall_msg_table *t);
int firewall_msg_chain(const struct nlmsghdr *nlh, struct firewall_msg_chain *c);
int firewall_msg_set(const struct nlmsghdr *nlh, struct firewall_msg_set *s);
int firewall_msg_rule(const struct nlmsghdr *nlh, struct firewall_msg_rule *r);
/* Calls cb for each element of a NEWSETELEM message, whose set's name goes
 * to set; stops at cb's first negative return. */
int firewall_msg_elems(const struct nlmsghdr *nlh, char set[FIREWALL_MSG_NAME],
		       int (*cb)(const struct firewall_msg_elem *e, void *data), void *data);

#endif

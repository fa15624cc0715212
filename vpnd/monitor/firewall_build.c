/* SPDX-License-Identifier: ISC */
/*
 * keygate's table as libnftnl objects: the table, its sets and chains, and
 * the transactions that make it, remove it, or add an idle value's chain.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor/firewall_build.h"
#include "monitor/firewall_rules.h"

/* nft's datatype numbers, kept in NFTA_SET_KEY_TYPE. */
#define TYPE_IPADDR       7
#define TYPE_IP6ADDR      8
#define TYPE_INET_SERVICE 13

const struct firewall_build_set firewall_build_sets[FIREWALL_BUILD_SETS] = {
	{"mailports", NFT_SET_CONSTANT, TYPE_INET_SERVICE, 2},
	{"window4_off", NFT_SET_TIMEOUT, TYPE_IPADDR, 4},
	{"window6_off", NFT_SET_TIMEOUT, TYPE_IP6ADDR, 16},
	{"idle4", NFT_SET_TIMEOUT | NFT_SET_EVAL, TYPE_IPADDR, 4},
	{"idle6", NFT_SET_TIMEOUT | NFT_SET_EVAL, TYPE_IP6ADDR, 16},
};

/* The window sets of an idle value: like window4_off and window6_off. */
const struct firewall_build_set firewall_build_class_sets[2] = {
	{"window4_<N>s", NFT_SET_TIMEOUT, TYPE_IPADDR, 4},
	{"window6_<N>s", NFT_SET_TIMEOUT, TYPE_IP6ADDR, 16},
};

/* In the order they are made: tunnel before the chains that go to it. */
const struct firewall_build_chain firewall_build_chains[FIREWALL_BUILD_CHAINS] = {
	{"idle", false, 0},
	{"tunnel", false, 0},
	{"input", true, NF_INET_LOCAL_IN},
	{"forward", true, NF_INET_FORWARD},
};

static int put_rules(struct firewall_batch *b, const struct firewall_config *cfg, const char *chain,
		     uint32_t idle_s)
{
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	int ret = 0;

	for (int i = 0; ret == 0; i++) {
		ret = firewall_rules_make(&r, cfg, chain, idle_s, i, NULL, 0);
		if (ret != 0)
			break;
		nlh = firewall_nl_batch_msg(b, NFT_MSG_NEWRULE,
					    NLM_F_CREATE | NLM_F_APPEND | NLM_F_EXCL);
		if (nlh != NULL) {
			nftnl_rule_nlmsg_build_payload(nlh, r);
			firewall_nl_batch_put(b, nlh);
		}
		nftnl_rule_free(r);
		ret = b->error;
	}
	return ret < 0 ? ret : 0;
}

static int put_chain(struct firewall_batch *b, const char *name, bool base, uint32_t hooknum)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (c == NULL)
		return -ENOMEM;
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name) < 0 ||
	    (base && nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter") < 0)) {
		nftnl_chain_free(c);
		return -ENOMEM;
	}
	if (base) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hooknum);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, FIREWALL_PRIORITY);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = firewall_nl_batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh != NULL) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		firewall_nl_batch_put(b, nlh);
	}
	nftnl_chain_free(c);
	return b->error;
}

static int put_set(struct firewall_batch *b, const struct firewall_build_set *d, const char *name,
		   uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (s == NULL)
		return -ENOMEM;
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, name) < 0) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, d->flags);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, d->key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, d->key_len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id); /* the kernel wants one */
	nlh = firewall_nl_batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL);
	if (nlh != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		firewall_nl_batch_put(b, nlh);
	}
	nftnl_set_free(s);
	return b->error;
}

static int put_table(struct firewall_batch *b, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (t == NULL)
		return -ENOMEM;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, FIREWALL_TABLE) < 0) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nlh = firewall_nl_batch_msg(b, type, flags);
	if (nlh != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		firewall_nl_batch_put(b, nlh);
	}
	nftnl_table_free(t);
	return b->error;
}

int firewall_build_remove(struct firewall_batch *b)
{
	/* Made first if missing, so that the delete cannot fail: the pair
	 * is "delete if there", in one transaction. */
	int ret = put_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);

	return ret < 0 ? ret : put_table(b, NFT_MSG_DELTABLE, 0);
}

/* The mail ports, in the set's creating transaction: once a rule uses a
 * constant set, the kernel refuses any change to it. */
static int put_ports(struct firewall_batch *b, const struct firewall_config *cfg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int ret = 0;

	if (s == NULL || nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, "mailports") < 0)
		ret = -ENOMEM;
	for (int i = 0; ret == 0 && i < cfg->n_mail_ports; i++) {
		uint16_t port = htons(cfg->mail_ports[i]);
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();

		if (e == NULL) {
			ret = -ENOMEM;
			break;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &port, sizeof(port));
		nftnl_set_elem_add(s, e);
	}
	if (ret == 0 && cfg->n_mail_ports > 0) {
		nlh = firewall_nl_batch_msg(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL);
		if (nlh != NULL) {
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			firewall_nl_batch_put(b, nlh);
		}
		ret = b->error;
	}
	if (s != NULL)
		nftnl_set_free(s);
	return ret;
}

int firewall_build_table(struct firewall_batch *b, const struct firewall_config *cfg)
{
	int ret;

	ret = firewall_build_remove(b);
	if (ret == 0)
		ret = put_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
	for (int i = 0; ret == 0 && i < FIREWALL_BUILD_SETS; i++)
		ret = put_set(b, &firewall_build_sets[i], firewall_build_sets[i].name,
			      (uint32_t)i + 1);
	if (ret < 0)
		return ret;
	ret = put_ports(b, cfg);
	for (int i = 0; ret == 0 && i < FIREWALL_BUILD_CHAINS; i++) {
		const struct firewall_build_chain *c = &firewall_build_chains[i];

		ret = put_chain(b, c->name, c->base, c->hooknum);
	}
	for (int i = 0; ret == 0 && i < FIREWALL_BUILD_CHAINS; i++)
		ret = put_rules(b, cfg, firewall_build_chains[i].name, 0);
	return ret;
}

int firewall_build_class(struct firewall_batch *b, uint32_t idle_s)
{
	struct firewall_config none = {.n_mail_ports = 0};
	char name[32];
	int ret = 0;

	for (int v6 = 0; v6 < 2 && ret == 0; v6++) {
		firewall_rules_window_name(name, sizeof(name), v6, idle_s);
		/* Unique in a batch, apart from the fixed sets' 1 to 5. */
		ret = put_set(b, &firewall_build_class_sets[v6], name,
			      16 + (idle_s << 1 | (uint32_t)v6));
	}
	return ret < 0 ? ret : put_rules(b, &none, "idle", idle_s);
}

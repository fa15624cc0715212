/* SPDX-License-Identifier: ISC */
/*
 * Reading table inet keygate back. A kernel answers a chain dump with the
 * chains of every inet table (older ones ignore the table filter), so
 * objects are sorted out by their table's name here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "monitor/firewall.h"
#include "monitor/firewall_live.h"

#define TRIES 3

void firewall_live_init(struct firewall_live *l)
{
	memset(l, 0, sizeof(*l));
}

void firewall_live_finish(struct firewall_live *l)
{
	free(l->chains);
	free(l->rules);
	free(l->sets);
	memset(l, 0, sizeof(*l));
}

/* Room for one more of n objects of size sz. */
static int grow(void **arr, size_t n, size_t sz)
{
	void *p;

	if (n >= FIREWALL_LIVE_MAX)
		return -E2BIG;
	if (n % 16 != 0)
		return 0;
	p = realloc(*arr, (n + 16) * sz);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static int port_elem(const struct firewall_msg_elem *e, void *data)
{
	struct firewall_live *l = data;

	if (e->key_len != 2 || l->n_ports == FIREWALL_LIVE_PORTS) {
		l->ports_odd = true;
		return 0;
	}
	l->ports[l->n_ports++] = (uint16_t)(e->key[0] << 8 | e->key[1]);
	return 0;
}

int firewall_live_msg(const struct nlmsghdr *nlh, void *data)
{
	struct firewall_live *l = data;
	struct firewall_msg_table t;
	char set[FIREWALL_MSG_NAME];
	int ret;

	switch (nlh->nlmsg_type & 0xff) {
	case NFT_MSG_NEWTABLE:
		ret = firewall_msg_table(nlh, &t);
		if (ret == 0 && strcmp(t.name, FIREWALL_TABLE) == 0) {
			l->have_table = true;
			l->table_flags = t.flags;
		}
		return ret;
	case NFT_MSG_NEWCHAIN:
		ret = grow((void **)&l->chains, l->n_chains, sizeof(*l->chains));
		if (ret == 0)
			ret = firewall_msg_chain(nlh, &l->chains[l->n_chains]);
		if (ret == 0 && strcmp(l->chains[l->n_chains].table, FIREWALL_TABLE) == 0)
			l->n_chains++;
		return ret;
	case NFT_MSG_NEWRULE:
		ret = grow((void **)&l->rules, l->n_rules, sizeof(*l->rules));
		if (ret == 0)
			ret = firewall_msg_rule(nlh, &l->rules[l->n_rules]);
		if (ret == 0 && strcmp(l->rules[l->n_rules].table, FIREWALL_TABLE) == 0)
			l->n_rules++;
		return ret;
	case NFT_MSG_NEWSET:
		ret = grow((void **)&l->sets, l->n_sets, sizeof(*l->sets));
		if (ret == 0)
			ret = firewall_msg_set(nlh, &l->sets[l->n_sets]);
		if (ret == 0 && strcmp(l->sets[l->n_sets].table, FIREWALL_TABLE) == 0)
			l->n_sets++;
		return ret;
	case NFT_MSG_NEWSETELEM:
		return firewall_msg_elems(nlh, set, port_elem, l);
	default:
		return -EPROTO;
	}
}

/* A GET of the table, or a dump of its chains, rules, sets, or mailports'
 * elements: type is the NFT_MSG_GET*. */
static struct nlmsghdr *request(char *buf, uint16_t type)
{
	uint16_t flags = type == NFT_MSG_GETTABLE ? 0 : NLM_F_DUMP;
	struct nlmsghdr *nlh;
	struct nftnl_table *t;
	struct nftnl_chain *c;
	struct nftnl_rule *r;
	struct nftnl_set *s;
	int bad = 0;

	memset(buf, 0, 512);
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, flags, 0);
	switch (type) {
	case NFT_MSG_GETTABLE:
		t = nftnl_table_alloc();
		bad = t == NULL || nftnl_table_set_str(t, NFTNL_TABLE_NAME, FIREWALL_TABLE) < 0;
		if (!bad)
			nftnl_table_nlmsg_build_payload(nlh, t);
		if (t != NULL)
			nftnl_table_free(t);
		break;
	case NFT_MSG_GETCHAIN:
		c = nftnl_chain_alloc();
		bad = c == NULL || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FIREWALL_TABLE) < 0;
		if (!bad)
			nftnl_chain_nlmsg_build_payload(nlh, c);
		if (c != NULL)
			nftnl_chain_free(c);
		break;
	case NFT_MSG_GETRULE:
		r = nftnl_rule_alloc();
		bad = r == NULL || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FIREWALL_TABLE) < 0;
		if (!bad)
			nftnl_rule_nlmsg_build_payload(nlh, r);
		if (r != NULL)
			nftnl_rule_free(r);
		break;
	case NFT_MSG_GETSET:
	case NFT_MSG_GETSETELEM:
		s = nftnl_set_alloc();
		bad = s == NULL || nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_TABLE) < 0 ||
		      (type == NFT_MSG_GETSETELEM &&
		       nftnl_set_set_str(s, NFTNL_SET_NAME, "mailports") < 0);
		if (!bad && type == NFT_MSG_GETSET)
			nftnl_set_nlmsg_build_payload(nlh, s);
		else if (!bad)
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
		if (s != NULL)
			nftnl_set_free(s);
		break;
	}
	return bad ? NULL : nlh;
}

static int read_once(struct firewall_live *l, struct firewall_nl *nl)
{
	static const uint16_t asks[] = {NFT_MSG_GETTABLE, NFT_MSG_GETCHAIN, NFT_MSG_GETRULE,
					NFT_MSG_GETSET, NFT_MSG_GETSETELEM};
	static const uint16_t answers[] = {NFT_MSG_NEWTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE,
					   NFT_MSG_NEWSET, NFT_MSG_NEWSETELEM};
	char buf[512];
	int ret;

	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++) {
		struct nlmsghdr *nlh = request(buf, asks[i]);

		if (nlh == NULL)
			return -ENOMEM;
		ret = firewall_nl_query(nl, nlh, answers[i], firewall_live_msg, l);
		/* No table, or no mailports in it: that is the finding. */
		if (ret == -ENOENT && (i == 0 || asks[i] == NFT_MSG_GETSETELEM))
			ret = 0;
		if (ret < 0)
			return ret;
		if (i == 0 && !l->have_table)
			return 0;
	}
	return 0;
}

int firewall_live_read(struct firewall_live *l, struct firewall_nl *nl)
{
	int ret = -EINTR;

	/* A dump that raced a change is read again (the self-check may
	 * race vpnd's own set updates, or an admin's nft). */
	for (int i = 0; i < TRIES && ret == -EINTR; i++) {
		firewall_live_finish(l);
		ret = read_once(l, nl);
	}
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * Reading, making and removing idle classes. A class's rules are found by
 * comparing chain idle's rules with the two the class must have (the same
 * canonical form firewall_check uses), not by name: a rule has none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor/firewall_build.h"
#include "monitor/firewall_class.h"
#include "monitor/firewall_msg.h"
#include "monitor/firewall_rules.h"

#define TRIES 3
/* Chain idle holds two rules per class. */
#define IDLE_RULES_MAX (2 * FIREWALL_CLASS_MAX + 16)

static int class_set(const struct nlmsghdr *nlh, void *data)
{
	struct firewall_class *c = data;
	struct firewall_msg_set set;
	uint32_t idle_s;
	bool v6;
	int ret = firewall_msg_set(nlh, &set);

	if (ret < 0 || strcmp(set.table, FIREWALL_TABLE) != 0 ||
	    !firewall_rules_window_parse(set.name, &v6, &idle_s))
		return ret;
	for (int i = 0; i < c->n; i++)
		if (c->secs[i] == idle_s)
			return 0;
	if (c->n == FIREWALL_CLASS_MAX)
		return -E2BIG;
	c->secs[c->n++] = idle_s;
	return 0;
}

/* A dump of table keygate's sets, or of its rules in chain (not NULL). */
static struct nlmsghdr *dump_request(char *buf, uint16_t type, const char *chain)
{
	struct nftnl_set *s = NULL;
	struct nftnl_rule *r = NULL;
	struct nlmsghdr *nlh;
	int bad;

	memset(buf, 0, 512);
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, 0);
	if (type == NFT_MSG_GETSET) {
		s = nftnl_set_alloc();
		bad = s == NULL || nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_TABLE) < 0;
		if (!bad)
			nftnl_set_nlmsg_build_payload(nlh, s);
	} else {
		r = nftnl_rule_alloc();
		bad = r == NULL || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FIREWALL_TABLE) < 0 ||
		      nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain) < 0;
		if (!bad)
			nftnl_rule_nlmsg_build_payload(nlh, r);
	}
	if (s != NULL)
		nftnl_set_free(s);
	if (r != NULL)
		nftnl_rule_free(r);
	return bad ? NULL : nlh;
}

int firewall_class_read(struct firewall *fw, struct firewall_class *c)
{
	char buf[512];
	struct nlmsghdr *nlh;
	int ret = -EINTR;

	for (int i = 0; i < TRIES && ret == -EINTR; i++) {
		memset(c, 0, sizeof(*c));
		c->n = 1; /* off: always there */
		nlh = dump_request(buf, NFT_MSG_GETSET, NULL);
		if (nlh == NULL)
			return -ENOMEM;
		ret = firewall_nl_query(&fw->nl, nlh, NFT_MSG_NEWSET, class_set, c);
	}
	return ret;
}

int firewall_class_need(struct firewall_class *c, uint32_t idle_s)
{
	for (int i = 0; i < c->n; i++)
		if (c->secs[i] == idle_s)
			return 0;
	if (c->n == FIREWALL_CLASS_MAX)
		return -E2BIG;
	c->made[c->n] = true;
	c->secs[c->n++] = idle_s;
	return 0;
}

int firewall_class_put(struct firewall_batch *b, const struct firewall_class *c)
{
	int ret = 0;

	for (int i = 0; i < c->n && ret == 0; i++)
		if (c->made[i])
			ret = firewall_build_class(b, c->secs[i]);
	return ret;
}

struct idle_rules {
	struct firewall_msg_rule *r;
	int n;
};

static int idle_rule(const struct nlmsghdr *nlh, void *data)
{
	struct idle_rules *ir = data;
	int ret;

	if (ir->n == IDLE_RULES_MAX)
		return -E2BIG;
	ret = firewall_msg_rule(nlh, &ir->r[ir->n]);
	if (ret == 0 && strcmp(ir->r[ir->n].table, FIREWALL_TABLE) == 0 &&
	    strcmp(ir->r[ir->n].chain, "idle") == 0)
		ir->n++;
	return ret;
}

static int put_delrule(struct firewall_batch *b, uint64_t handle)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (r == NULL || nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "idle") < 0) {
		if (r != NULL)
			nftnl_rule_free(r);
		return -ENOMEM;
	}
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	nlh = firewall_nl_batch_msg(b, NFT_MSG_DELRULE, 0);
	if (nlh != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		firewall_nl_batch_put(b, nlh);
	}
	nftnl_rule_free(r);
	return b->error;
}

static int put_delset(struct firewall_batch *b, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (s == NULL || nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, name) < 0) {
		if (s != NULL)
			nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nlh = firewall_nl_batch_msg(b, NFT_MSG_DELSET, 0);
	if (nlh != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		firewall_nl_batch_put(b, nlh);
	}
	nftnl_set_free(s);
	return b->error;
}

/* One class out: the rules that use its sets first, or the kernel keeps
 * the sets (a set in use cannot go). */
static int prune_one(struct firewall *fw, struct firewall_batch *b, const struct idle_rules *ir,
		     uint32_t idle_s)
{
	struct firewall_rules_want want[2];
	char name[32];
	int nw, ret = 0;

	nw = firewall_rules_expected(&fw->cfg, "idle", idle_s, want, 2);
	if (nw < 0)
		return nw;
	for (int i = 0; i < nw && ret == 0; i++)
		for (int k = 0; k < ir->n && ret == 0; k++)
			if (!ir->r[k].too_long && ir->r[k].canon_len == want[i].msg.canon_len &&
			    memcmp(ir->r[k].canon, want[i].msg.canon, ir->r[k].canon_len) == 0)
				ret = put_delrule(b, ir->r[k].handle);
	for (int v6 = 0; v6 < 2 && ret == 0; v6++) {
		firewall_rules_window_name(name, sizeof(name), v6, idle_s);
		ret = put_delset(b, name);
	}
	return ret;
}

int firewall_class_prune(struct firewall *fw, struct firewall_batch *b,
			 const struct firewall_class *c, const bool *used)
{
	struct idle_rules ir = {0};
	struct nlmsghdr *nlh;
	char buf[512];
	bool any = false;
	int ret = -EINTR;

	for (int i = 1; i < c->n; i++)
		any = any || (!c->made[i] && !used[i]);
	if (!any)
		return 0;
	ir.r = calloc(IDLE_RULES_MAX, sizeof(*ir.r));
	if (ir.r == NULL)
		return -ENOMEM;
	for (int i = 0; i < TRIES && ret == -EINTR; i++) {
		ir.n = 0;
		nlh = dump_request(buf, NFT_MSG_GETRULE, "idle");
		ret = nlh == NULL
			      ? -ENOMEM
			      : firewall_nl_query(&fw->nl, nlh, NFT_MSG_NEWRULE, idle_rule, &ir);
	}
	for (int i = 1; i < c->n && ret == 0; i++)
		if (!c->made[i] && !used[i])
			ret = prune_one(fw, b, &ir, c->secs[i]);
	free(ir.r);
	return ret;
}

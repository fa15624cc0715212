/* SPDX-License-Identifier: ISC */
/*
 * Decoding what nf_tables sends back. Every attribute must fit in its
 * parent, none may repeat, nothing may trail; types newer than these
 * headers are skipped, as a newer kernel may add some.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "monitor/firewall_msg.h"

/* Expressions carry fewer attribute types than this. */
#define EXPR_ATTR_MAX 32

static const void *pay(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static size_t paylen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static int attrs(const void *p, size_t len, const struct nlattr **tb, unsigned max)
{
	const uint8_t *q = p;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len > 0) {
		const struct nlattr *a = (const void *)q;
		unsigned type;
		size_t step;

		if (len < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EBADMSG;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max) {
			if (tb[type] != NULL)
				return -EBADMSG;
			tb[type] = a;
		}
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		q += step;
		len -= step;
	}
	return 0;
}

static int nested(const struct nlattr *a, const struct nlattr **tb, unsigned max)
{
	return attrs(pay(a), paylen(a), tb, max);
}

static int msg_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned max)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	if (nlh->nlmsg_len < off)
		return -EBADMSG;
	return attrs((const uint8_t *)nlh + off, nlh->nlmsg_len - off, tb, max);
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	uint32_t be;

	if (a == NULL || paylen(a) != sizeof(be))
		return -EBADMSG;
	memcpy(&be, pay(a), sizeof(be));
	*v = ntohl(be);
	return 0;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	uint64_t be;

	if (a == NULL || paylen(a) != sizeof(be))
		return -EBADMSG;
	memcpy(&be, pay(a), sizeof(be));
	*v = be64toh(be);
	return 0;
}

/* A NUL-terminated string, kept cut to size. */
static int get_str(const struct nlattr *a, char *out, size_t size)
{
	size_t n;

	if (a == NULL || paylen(a) == 0 || memchr(pay(a), '\0', paylen(a)) == NULL)
		return -EBADMSG;
	n = strnlen(pay(a), paylen(a));
	if (n >= size)
		n = size - 1;
	memcpy(out, pay(a), n);
	out[n] = '\0';
	return 0;
}

int firewall_msg_table(const struct nlmsghdr *nlh, struct firewall_msg_table *t)
{
	const struct nlattr *tb[NFTA_TABLE_MAX + 1];
	int ret;

	memset(t, 0, sizeof(*t));
	ret = msg_attrs(nlh, tb, NFTA_TABLE_MAX);
	if (ret == 0)
		ret = get_str(tb[NFTA_TABLE_NAME], t->name, sizeof(t->name));
	if (ret == 0 && tb[NFTA_TABLE_FLAGS] != NULL)
		ret = get_u32(tb[NFTA_TABLE_FLAGS], &t->flags);
	return ret;
}

int firewall_msg_chain(const struct nlmsghdr *nlh, struct firewall_msg_chain *c)
{
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1], *hook[NFTA_HOOK_MAX + 1];
	uint32_t prio = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = msg_attrs(nlh, tb, NFTA_CHAIN_MAX);
	if (ret == 0)
		ret = get_str(tb[NFTA_CHAIN_TABLE], c->table, sizeof(c->table));
	if (ret == 0)
		ret = get_str(tb[NFTA_CHAIN_NAME], c->name, sizeof(c->name));
	if (ret == 0 && tb[NFTA_CHAIN_FLAGS] != NULL)
		ret = get_u32(tb[NFTA_CHAIN_FLAGS], &c->flags);
	if (ret == 0 && tb[NFTA_CHAIN_POLICY] != NULL) {
		c->has_policy = true;
		ret = get_u32(tb[NFTA_CHAIN_POLICY], &c->policy);
	}
	if (ret == 0 && tb[NFTA_CHAIN_TYPE] != NULL)
		ret = get_str(tb[NFTA_CHAIN_TYPE], c->type, sizeof(c->type));
	if (ret < 0 || tb[NFTA_CHAIN_HOOK] == NULL)
		return ret;
	c->base = true;
	ret = nested(tb[NFTA_CHAIN_HOOK], hook, NFTA_HOOK_MAX);
	if (ret == 0)
		ret = get_u32(hook[NFTA_HOOK_HOOKNUM], &c->hooknum);
	if (ret == 0)
		ret = get_u32(hook[NFTA_HOOK_PRIORITY], &prio);
	c->prio = (int32_t)prio;
	return ret;
}

int firewall_msg_set(const struct nlmsghdr *nlh, struct firewall_msg_set *s)
{
	const struct nlattr *tb[NFTA_SET_MAX + 1];
	int ret;

	memset(s, 0, sizeof(*s));
	ret = msg_attrs(nlh, tb, NFTA_SET_MAX);
	if (ret == 0)
		ret = get_str(tb[NFTA_SET_TABLE], s->table, sizeof(s->table));
	if (ret == 0)
		ret = get_str(tb[NFTA_SET_NAME], s->name, sizeof(s->name));
	if (ret == 0 && tb[NFTA_SET_FLAGS] != NULL)
		ret = get_u32(tb[NFTA_SET_FLAGS], &s->flags);
	if (ret == 0)
		ret = get_u32(tb[NFTA_SET_KEY_TYPE], &s->key_type);
	if (ret == 0)
		ret = get_u32(tb[NFTA_SET_KEY_LEN], &s->key_len);
	if (ret == 0 && tb[NFTA_SET_DATA_TYPE] != NULL)
		ret = get_u32(tb[NFTA_SET_DATA_TYPE], &s->data_type);
	if (ret == 0 && tb[NFTA_SET_DATA_LEN] != NULL)
		ret = get_u32(tb[NFTA_SET_DATA_LEN], &s->data_len);
	return ret;
}

/* A verdict: its code, and the chain of a jump or goto. */
static int get_verdict(const struct nlattr *a, int32_t *code, char *chain, size_t size)
{
	const struct nlattr *tb[NFTA_VERDICT_MAX + 1];
	uint32_t v = 0;
	int ret;

	ret = nested(a, tb, NFTA_VERDICT_MAX);
	if (ret == 0)
		ret = get_u32(tb[NFTA_VERDICT_CODE], &v);
	if (ret == 0 && tb[NFTA_VERDICT_CHAIN] != NULL)
		ret = get_str(tb[NFTA_VERDICT_CHAIN], chain, size);
	*code = (int32_t)v;
	return ret;
}

static int elem_one(const struct nlattr *a, struct firewall_msg_elem *e)
{
	const struct nlattr *tb[NFTA_SET_ELEM_MAX + 1], *key[NFTA_DATA_MAX + 1],
		*data[NFTA_DATA_MAX + 1];
	int ret;

	memset(e, 0, sizeof(*e));
	if ((a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
		return -EBADMSG;
	ret = nested(a, tb, NFTA_SET_ELEM_MAX);
	if (ret == 0 && tb[NFTA_SET_ELEM_KEY] == NULL)
		ret = -EBADMSG;
	if (ret == 0)
		ret = nested(tb[NFTA_SET_ELEM_KEY], key, NFTA_DATA_MAX);
	if (ret == 0 && (key[NFTA_DATA_VALUE] == NULL || paylen(key[NFTA_DATA_VALUE]) == 0 ||
			 paylen(key[NFTA_DATA_VALUE]) > sizeof(e->key)))
		ret = -EBADMSG;
	if (ret < 0)
		return ret;
	e->key_len = paylen(key[NFTA_DATA_VALUE]);
	memcpy(e->key, pay(key[NFTA_DATA_VALUE]), e->key_len);
	if (tb[NFTA_SET_ELEM_TIMEOUT] != NULL)
		ret = get_u64(tb[NFTA_SET_ELEM_TIMEOUT], &e->timeout_ms);
	if (ret == 0 && tb[NFTA_SET_ELEM_EXPIRATION] != NULL)
		ret = get_u64(tb[NFTA_SET_ELEM_EXPIRATION], &e->expires_ms);
	if (ret < 0 || tb[NFTA_SET_ELEM_DATA] == NULL)
		return ret;
	ret = nested(tb[NFTA_SET_ELEM_DATA], data, NFTA_DATA_MAX);
	if (ret == 0 && data[NFTA_DATA_VERDICT] != NULL) {
		e->has_verdict = true;
		ret = get_verdict(data[NFTA_DATA_VERDICT], &e->verdict, e->chain, sizeof(e->chain));
	}
	return ret;
}

int firewall_msg_elems(const struct nlmsghdr *nlh, char set[FIREWALL_MSG_NAME],
		       int (*cb)(const struct firewall_msg_elem *e, void *data), void *data)
{
	const struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1];
	struct firewall_msg_elem e;
	const uint8_t *p;
	size_t len;
	int ret;

	ret = msg_attrs(nlh, tb, NFTA_SET_ELEM_LIST_MAX);
	if (ret == 0)
		ret = get_str(tb[NFTA_SET_ELEM_LIST_SET], set, FIREWALL_MSG_NAME);
	if (ret < 0 || tb[NFTA_SET_ELEM_LIST_ELEMENTS] == NULL)
		return ret;
	/* A list: the same type again and again, so not through attrs(). */
	p = pay(tb[NFTA_SET_ELEM_LIST_ELEMENTS]);
	len = paylen(tb[NFTA_SET_ELEM_LIST_ELEMENTS]);
	while (len > 0) {
		const struct nlattr *a = (const void *)p;
		size_t step;

		if (len < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EBADMSG;
		ret = elem_one(a, &e);
		if (ret == 0)
			ret = cb(&e, data);
		if (ret < 0)
			return ret;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static void canon_put(struct firewall_msg_rule *r, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (r->too_long || n > sizeof(r->canon) - r->canon_len) {
		r->too_long = true;
		return;
	}
	memcpy(r->canon + r->canon_len, p, n);
	r->canon_len += n;
}

/* One attribute: its type, its length, its bytes. */
static void canon_attr(struct firewall_msg_rule *r, unsigned type, const void *p, size_t n)
{
	uint16_t hdr[2] = {(uint16_t)type, (uint16_t)n};

	canon_put(r, hdr, sizeof(hdr));
	canon_put(r, p, n);
}

static bool all_zero(const struct nlattr *a)
{
	const uint8_t *p = pay(a);

	for (size_t i = 0; i < paylen(a); i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A data register (cmp's and immediate's operand): a value, or a verdict
 * whose parts a kernel may order otherwise than we did. */
static int canon_data(struct firewall_msg_rule *r, unsigned type, const struct nlattr *a)
{
	const struct nlattr *tb[NFTA_DATA_MAX + 1];
	char chain[FIREWALL_MSG_NAME] = "";
	int32_t code;
	int ret;

	ret = nested(a, tb, NFTA_DATA_MAX);
	if (ret < 0)
		return ret;
	canon_attr(r, type, NULL, 0);
	if (tb[NFTA_DATA_VALUE] != NULL)
		canon_attr(r, NFTA_DATA_VALUE, pay(tb[NFTA_DATA_VALUE]),
			   paylen(tb[NFTA_DATA_VALUE]));
	if (tb[NFTA_DATA_VERDICT] != NULL) {
		ret = get_verdict(tb[NFTA_DATA_VERDICT], &code, chain, sizeof(chain));
		if (ret < 0)
			return ret;
		canon_attr(r, NFTA_DATA_VERDICT, &code, sizeof(code));
		canon_attr(r, NFTA_VERDICT_CHAIN, chain, strlen(chain));
	}
	return 0;
}

static int canon_expr(struct firewall_msg_rule *r, const struct nlattr *a)
{
	const struct nlattr *tb[NFTA_EXPR_MAX + 1], *d[EXPR_ATTR_MAX + 1];
	char name[32];
	size_t used;
	int ret;

	if ((a->nla_type & NLA_TYPE_MASK) != NFTA_LIST_ELEM)
		return -EBADMSG;
	ret = nested(a, tb, NFTA_EXPR_MAX);
	if (ret == 0)
		ret = get_str(tb[NFTA_EXPR_NAME], name, sizeof(name));
	if (ret < 0)
		return ret;
	used = strlen(r->names);
	snprintf(r->names + used, sizeof(r->names) - used, "%s%s", used > 0 ? " " : "", name);
	canon_put(r, name, strlen(name) + 1);
	/* A counter's numbers move; that it is there is what counts (the
	 * metrics read them). */
	if (strcmp(name, "counter") == 0 && tb[NFTA_EXPR_DATA] != NULL &&
	    nested(tb[NFTA_EXPR_DATA], d, EXPR_ATTR_MAX) == 0) {
		r->counted = get_u64(d[NFTA_COUNTER_PACKETS], &r->packets) == 0 &&
			     get_u64(d[NFTA_COUNTER_BYTES], &r->bytes) == 0;
		return 0;
	}
	if (strcmp(name, "counter") == 0 || tb[NFTA_EXPR_DATA] == NULL)
		return 0;
	ret = nested(tb[NFTA_EXPR_DATA], d, EXPR_ATTR_MAX);
	for (unsigned t = 1; ret == 0 && t <= EXPR_ATTR_MAX; t++) {
		if (d[t] == NULL)
			continue;
		if ((strcmp(name, "cmp") == 0 && t == NFTA_CMP_DATA) ||
		    (strcmp(name, "immediate") == 0 && t == NFTA_IMMEDIATE_DATA))
			ret = canon_data(r, t, d[t]);
		else if (!all_zero(d[t]))
			canon_attr(r, t, pay(d[t]), paylen(d[t]));
	}
	return ret;
}

int firewall_msg_rule(const struct nlmsghdr *nlh, struct firewall_msg_rule *r)
{
	const struct nlattr *tb[NFTA_RULE_MAX + 1];
	const uint8_t *p;
	size_t len;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = msg_attrs(nlh, tb, NFTA_RULE_MAX);
	if (ret == 0)
		ret = get_str(tb[NFTA_RULE_TABLE], r->table, sizeof(r->table));
	if (ret == 0)
		ret = get_str(tb[NFTA_RULE_CHAIN], r->chain, sizeof(r->chain));
	if (ret == 0 && tb[NFTA_RULE_HANDLE] != NULL)
		ret = get_u64(tb[NFTA_RULE_HANDLE], &r->handle);
	if (ret < 0 || tb[NFTA_RULE_EXPRESSIONS] == NULL)
		return ret;
	p = pay(tb[NFTA_RULE_EXPRESSIONS]);
	len = paylen(tb[NFTA_RULE_EXPRESSIONS]);
	while (len > 0) {
		const struct nlattr *a = (const void *)p;
		size_t step;

		if (len < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EBADMSG;
		ret = canon_expr(r, a);
		if (ret < 0)
			return ret;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
/*
 * The rules of keygate's chains as libnftnl objects, expression by
 * expression the ones nft makes of the text in firewall.h (compare
 * `nft --debug=netlink -f`), so that `nft list table inet keygate` shows
 * that text back.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor/firewall_rules.h"

enum rule_kind {
	R_TUNNEL, /* iifname "IF" goto tunnel */
	R_LO,     /* iif "lo" accept */
	R_MAIL,   /* tcp dport @mailports counter drop */
	R_OFF4,   /* ip saddr @window4_off accept */
	R_OFF6,   /* ip6 saddr @window6_off accept */
	R_IDLE,   /* jump idle */
	R_DROP,   /* counter drop */
	/* ip saddr @window4_Ns ip saddr @idle4 update @idle4 { ip saddr timeout Ns } accept */
	R_CLASS4,
	R_CLASS6,
	R_END,
};

static const enum rule_kind input_rules[] = {R_TUNNEL, R_LO, R_MAIL, R_END};
static const enum rule_kind forward_rules[] = {R_TUNNEL, R_MAIL, R_END};
static const enum rule_kind tunnel_rules[] = {R_OFF4, R_OFF6, R_IDLE, R_DROP, R_END};
static const enum rule_kind class_rules[] = {R_CLASS4, R_CLASS6, R_END};

/* A rule being made; the first failed allocation sticks. */
struct rb {
	struct nftnl_rule *r;
	int error;
};

static struct nftnl_expr *expr(struct rb *rb, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e == NULL)
		rb->error = -ENOMEM;
	return e;
}

static void add(struct rb *rb, struct nftnl_expr *e)
{
	if (e != NULL)
		nftnl_rule_add_expr(rb->r, e);
}

static void meta(struct rb *rb, uint32_t key)
{
	struct nftnl_expr *e = expr(rb, "meta");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	add(rb, e);
}

static void cmp_eq(struct rb *rb, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(rb, "cmp");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	if (nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len) < 0)
		rb->error = -ENOMEM;
	add(rb, e);
}

static void payload(struct rb *rb, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr(rb, "payload");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	add(rb, e);
}

static void lookup(struct rb *rb, const char *set)
{
	struct nftnl_expr *e = expr(rb, "lookup");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	if (nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set) < 0)
		rb->error = -ENOMEM;
	add(rb, e);
}

static void dynset_update(struct rb *rb, const char *set, uint32_t idle_s)
{
	struct nftnl_expr *e = expr(rb, "dynset");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, (uint64_t)idle_s * 1000);
	if (nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, set) < 0)
		rb->error = -ENOMEM;
	add(rb, e);
}

static void verdict(struct rb *rb, int32_t code, const char *chain)
{
	struct nftnl_expr *e = expr(rb, "immediate");

	if (e == NULL)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
	if (chain != NULL && nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain) < 0)
		rb->error = -ENOMEM;
	add(rb, e);
}

static void counter(struct rb *rb)
{
	add(rb, expr(rb, "counter"));
}

/* meta nfproto ipv4 / ipv6, then the source address into reg 1 */
static void saddr(struct rb *rb, bool v6)
{
	uint8_t proto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	meta(rb, NFT_META_NFPROTO);
	cmp_eq(rb, &proto, sizeof(proto));
	payload(rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4);
}

static void rule_body(struct rb *rb, const struct firewall_config *cfg, enum rule_kind k,
		      uint32_t idle_s)
{
	char ifname[IFNAMSIZ] = {0}, window[32];
	uint32_t lo = 1; /* the loopback device's index, in every namespace */
	uint8_t tcp = IPPROTO_TCP;
	bool v6 = k == R_OFF6 || k == R_CLASS6;

	switch (k) {
	case R_TUNNEL:
		/* By name: the interface may come and go (wireguard-go). */
		memcpy(ifname, cfg->ifname, strnlen(cfg->ifname, IFNAMSIZ - 1));
		meta(rb, NFT_META_IIFNAME);
		cmp_eq(rb, ifname, sizeof(ifname));
		verdict(rb, NFT_GOTO, "tunnel");
		break;
	case R_LO:
		meta(rb, NFT_META_IIF);
		cmp_eq(rb, &lo, sizeof(lo));
		verdict(rb, NF_ACCEPT, NULL);
		break;
	case R_MAIL:
		meta(rb, NFT_META_L4PROTO);
		cmp_eq(rb, &tcp, sizeof(tcp));
		payload(rb, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		lookup(rb, "mailports");
		counter(rb);
		verdict(rb, NF_DROP, NULL);
		break;
	case R_OFF4:
	case R_OFF6:
		saddr(rb, v6);
		lookup(rb, v6 ? "window6_off" : "window4_off");
		verdict(rb, NF_ACCEPT, NULL);
		break;
	case R_IDLE:
		verdict(rb, NFT_JUMP, "idle");
		break;
	case R_DROP:
		counter(rb);
		verdict(rb, NF_DROP, NULL);
		break;
	case R_CLASS4:
	case R_CLASS6:
		/* The address again before each lookup, as nft writes it. */
		firewall_rules_window_name(window, sizeof(window), v6, idle_s);
		saddr(rb, v6);
		lookup(rb, window);
		payload(rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4);
		lookup(rb, v6 ? "idle6" : "idle4");
		payload(rb, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4);
		dynset_update(rb, v6 ? "idle6" : "idle4", idle_s);
		verdict(rb, NF_ACCEPT, NULL);
		break;
	case R_END:
		break;
	}
}

static void rule_text(char *out, size_t size, const struct firewall_config *cfg, enum rule_kind k,
		      uint32_t idle_s)
{
	const char *ip = k == R_CLASS6 ? "ip6" : "ip", *set = k == R_CLASS6 ? "idle6" : "idle4";
	char window[32];

	switch (k) {
	case R_TUNNEL:
		snprintf(out, size, "iifname \"%s\" goto tunnel", cfg->ifname);
		break;
	case R_LO:
		snprintf(out, size, "iif \"lo\" accept");
		break;
	case R_MAIL:
		snprintf(out, size, "tcp dport @mailports counter drop");
		break;
	case R_OFF4:
		snprintf(out, size, "ip saddr @window4_off accept");
		break;
	case R_OFF6:
		snprintf(out, size, "ip6 saddr @window6_off accept");
		break;
	case R_IDLE:
		snprintf(out, size, "jump idle");
		break;
	case R_DROP:
		snprintf(out, size, "counter drop");
		break;
	case R_CLASS4:
	case R_CLASS6:
		firewall_rules_window_name(window, sizeof(window), k == R_CLASS6, idle_s);
		snprintf(out, size,
			 "%s saddr @%s %s saddr @%s update @%s { %s saddr timeout %us } accept", ip,
			 window, ip, set, set, ip, idle_s);
		break;
	case R_END:
		out[0] = '\0';
		break;
	}
}

void firewall_rules_window_name(char *out, size_t size, bool v6, uint32_t idle_s)
{
	if (idle_s == 0)
		snprintf(out, size, "window%c_off", v6 ? '6' : '4');
	else
		snprintf(out, size, "window%c_%us", v6 ? '6' : '4', idle_s);
}

bool firewall_rules_window_parse(const char *name, bool *v6, uint32_t *idle_s)
{
	char want[32];
	unsigned long v;
	char *end;

	if (strncmp(name, "window", 6) != 0 || (name[6] != '4' && name[6] != '6') || name[7] != '_')
		return false;
	*v6 = name[6] == '6';
	if (strcmp(name + 8, "off") == 0) {
		*idle_s = 0;
		return true;
	}
	if (name[8] < '1' || name[8] > '9')
		return false;
	v = strtoul(name + 8, &end, 10);
	if (strcmp(end, "s") != 0 || v == 0 || v > FIREWALL_MAX_IDLE_S)
		return false;
	/* Only the one spelling we write. */
	firewall_rules_window_name(want, sizeof(want), *v6, (uint32_t)v);
	*idle_s = (uint32_t)v;
	return strcmp(want, name) == 0;
}

static const enum rule_kind *rules_of(const char *chain, uint32_t idle_s)
{
	if (strcmp(chain, "idle") == 0)
		return idle_s > 0 ? class_rules : NULL;
	if (strcmp(chain, "input") == 0)
		return input_rules;
	if (strcmp(chain, "forward") == 0)
		return forward_rules;
	if (strcmp(chain, "tunnel") == 0)
		return tunnel_rules;
	return NULL;
}

static int rule_make(struct nftnl_rule **out, const struct firewall_config *cfg, const char *chain,
		     enum rule_kind k, uint32_t idle_s)
{
	struct rb rb = {.r = nftnl_rule_alloc()};

	*out = NULL;
	if (rb.r == NULL)
		return -ENOMEM;
	nftnl_rule_set_u32(rb.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (nftnl_rule_set_str(rb.r, NFTNL_RULE_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_rule_set_str(rb.r, NFTNL_RULE_CHAIN, chain) < 0)
		rb.error = -ENOMEM;
	rule_body(&rb, cfg, k, idle_s);
	if (rb.error < 0) {
		nftnl_rule_free(rb.r);
		return rb.error;
	}
	*out = rb.r;
	return 0;
}

/* Appends the rules of one chain to the batch. */
int firewall_rules_expected(const struct firewall_config *cfg, const char *name, uint32_t idle_s,
			    struct firewall_rules_want *out, int max)
{
	const enum rule_kind *k = rules_of(name, idle_s);
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	char *buf;
	int n = 0, ret = 0;

	buf = calloc(1, FIREWALL_NL_MSG_MAX);
	if (buf == NULL)
		return -ENOMEM;
	for (; k != NULL && *k != R_END && n < max && ret == 0; k++, n++) {
		ret = rule_make(&r, cfg, name, *k, idle_s);
		if (ret < 0)
			break;
		/* Through the bytes the kernel would get, and the decoder that
		 * reads its answer: the same canonical form on both sides. */
		nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWRULE, NFPROTO_INET, 0, 0);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		ret = firewall_msg_rule(nlh, &out[n].msg);
		rule_text(out[n].text, sizeof(out[n].text), cfg, *k, idle_s);
	}
	free(buf);
	return ret < 0 ? ret : n;
}

int firewall_rules_make(struct nftnl_rule **out, const struct firewall_config *cfg,
			const char *chain, uint32_t idle_s, int i, char *text, size_t size)
{
	const enum rule_kind *k = rules_of(chain, idle_s);
	int n;

	for (n = 0; k != NULL && k[n] != R_END && n < i; n++)
		;
	if (k == NULL || i < 0 || k[n] == R_END)
		return 1;
	if (text != NULL)
		rule_text(text, size, cfg, k[n], idle_s);
	return rule_make(out, cfg, chain, k[n], idle_s);
}

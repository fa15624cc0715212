/* SPDX-License-Identifier: ISC */
/*
 * Set elements. A message holds at most ELEMS_PER_MSG of them: the list
 * is one netlink attribute, and an attribute's length has 16 bits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "monitor/firewall.h"
#include "monitor/firewall_elems.h"
#include "monitor/firewall_rules.h"

/* An element is under 64 bytes: 256 of them, 16 KiB. */
#define ELEMS_PER_MSG 256

void firewall_elems_window_set(char out[32], const struct ipaddr *a, uint32_t idle_s)
{
	firewall_rules_window_name(out, 32, a->family == AF_INET6, idle_s);
}

const char *firewall_elems_idle_set(const struct ipaddr *a)
{
	return a->family == AF_INET6 ? "idle6" : "idle4";
}

static size_t key_len(const struct ipaddr *a)
{
	return a->family == AF_INET6 ? 16 : 4;
}

static struct nftnl_set *set_new(const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s == NULL)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, name) < 0) {
		nftnl_set_free(s);
		return NULL;
	}
	return s;
}

void firewall_elems_start(struct firewall_elems *e, struct firewall_batch *b, uint16_t type,
			  const char *set)
{
	memset(e, 0, sizeof(*e));
	e->b = b;
	e->type = type;
	snprintf(e->set, sizeof(e->set), "%s", set);
}

/* One message with the elements gathered so far. */
static void elems_put(struct firewall_elems *e)
{
	struct nlmsghdr *nlh;

	if (e->n == 0 || e->error != 0)
		return;
	/* Create, and refuse to find one there: a caller that means to
	 * replace an element deletes it first, in the same batch. */
	nlh = firewall_nl_batch_msg(e->b, e->type,
				    e->type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE | NLM_F_EXCL : 0);
	if (nlh != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, e->s);
		firewall_nl_batch_put(e->b, nlh);
	}
	e->error = e->b->error;
	nftnl_set_free(e->s);
	e->s = NULL;
	e->n = 0;
}

void firewall_elems_add(struct firewall_elems *e, const struct ipaddr *a, uint64_t timeout_ms)
{
	struct nftnl_set_elem *el;

	if (e->error != 0)
		return;
	if (e->s == NULL)
		e->s = set_new(e->set);
	el = nftnl_set_elem_alloc();
	if (e->s == NULL || el == NULL) {
		if (el != NULL)
			nftnl_set_elem_free(el);
		e->error = -ENOMEM;
		return;
	}
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, a->bytes, (uint32_t)key_len(a));
	if (timeout_ms > 0)
		nftnl_set_elem_set_u64(el, NFTNL_SET_ELEM_TIMEOUT, timeout_ms);
	nftnl_set_elem_add(e->s, el);
	if (++e->n >= ELEMS_PER_MSG)
		elems_put(e);
}

int firewall_elems_end(struct firewall_elems *e)
{
	elems_put(e);
	if (e->s != NULL)
		nftnl_set_free(e->s);
	e->s = NULL;
	return e->error;
}

int firewall_elems_flush(struct firewall_batch *b, const char *set)
{
	struct nftnl_set *s = set_new(set);
	struct nlmsghdr *nlh;

	if (s == NULL)
		return -ENOMEM;
	nlh = firewall_nl_batch_msg(b, NFT_MSG_DELSETELEM, 0);
	if (nlh != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		firewall_nl_batch_put(b, nlh);
	}
	nftnl_set_free(s);
	return b->error;
}

struct nlmsghdr *firewall_elems_get(void *buf, const char *set, const struct ipaddr *a)
{
	struct nftnl_set *s = set_new(set);
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();
	struct nlmsghdr *nlh;

	if (s == NULL || el == NULL) {
		if (s != NULL)
			nftnl_set_free(s);
		if (el != NULL)
			nftnl_set_elem_free(el);
		return NULL;
	}
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, a->bytes, (uint32_t)key_len(a));
	nftnl_set_elem_add(s, el);
	memset(buf, 0, NLMSG_HDRLEN + sizeof(struct nfgenmsg));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, 0, 0);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return nlh;
}

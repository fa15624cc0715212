/* SPDX-License-Identifier: ISC */
/*
 * Sessions in the kernel's sets. Each operation is one nf_tables
 * transaction. A kernel has no "replace this element" before 6.10 and no
 * "delete if there" before 6.3, so an element to replace or delete is
 * looked up first and deleted in the batch that adds it back; one that
 * runs out between the look-up and the commit makes the delete fail and
 * the whole transaction with it, and the operation starts over (TRIES
 * times).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor/firewall.h"
#include "monitor/firewall_build.h"
#include "monitor/firewall_elems.h"
#include "monitor/firewall_msg.h"
#include "monitor/firewall_session.h"

#define TRIES 4
/* Distinct idle values in one call. */
#define CLASSES_MAX 64

/* Looked up before a batch: which idle chains it must make. */
struct classes {
	uint32_t secs[CLASSES_MAX];
	bool missing[CLASSES_MAX];
	int n;
};

static int addr_check(const struct firewall_config *cfg, const struct ipaddr *a, char err[ERR_LEN])
{
	char s[IPADDR_STR_LEN];
	bool inside = cfg->n_nets == 0;

	if (a->family != AF_INET && a->family != AF_INET6) {
		text_err(err, "firewall: an address of unknown family %u", a->family);
		return -EINVAL;
	}
	ipaddr_format(a, s, sizeof(s), true);
	if (a->prefix != (a->family == AF_INET ? 32 : 128)) {
		text_err(err, "firewall: '%s' is a network, not a tunnel address", s);
		return -EINVAL;
	}
	for (int i = 0; i < cfg->n_nets && !inside; i++)
		inside = cfg->nets[i].family == a->family && ipaddr_in_net(a, &cfg->nets[i]);
	if (!inside) {
		text_err(err, "firewall: '%s' is outside the tunnel networks", s);
		return -EINVAL;
	}
	return 0;
}

static uint64_t ms_up(uint64_t ns)
{
	return ns / 1000000 + (ns % 1000000 != 0);
}

static int session_check(const struct firewall_config *cfg, const struct firewall_session *s,
			 char err[ERR_LEN])
{
	int ret = 0;

	if (s->window_ns == 0) {
		text_err(err, "firewall: a session whose window is over");
		return -EINVAL;
	}
	if (s->idle_ns / 1000000000 >= FIREWALL_MAX_IDLE_S) {
		text_err(err, "firewall: idle timeout of %llu s is too long",
			 (unsigned long long)(s->idle_ns / 1000000000));
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n_addrs && ret == 0; i++)
		ret = addr_check(cfg, &s->addrs[i], err);
	return ret;
}

/* Idle timeouts in whole seconds, rounded up (firewall.h). */
static uint32_t idle_secs(uint64_t ns)
{
	return (uint32_t)(ns / 1000000000 + (ns % 1000000000 != 0));
}

struct probe {
	const struct ipaddr *a;
	bool found;
};

static int probe_elem(const struct firewall_msg_elem *e, void *data)
{
	struct probe *p = data;
	size_t len = p->a->family == AF_INET6 ? 16 : 4;

	if (e->key_len == len && memcmp(e->key, p->a->bytes, len) == 0)
		p->found = true;
	return 0;
}

static int probe_msg(const struct nlmsghdr *nlh, void *data)
{
	char set[FIREWALL_MSG_NAME];

	return firewall_msg_elems(nlh, set, probe_elem, data);
}

/* 1 when the address is in the set (and has not run out), else 0. */
static int present(struct firewall *fw, const char *set, const struct ipaddr *a)
{
	uint8_t buf[FIREWALL_ELEMS_GET_LEN];
	struct probe p = {.a = a};
	struct nlmsghdr *nlh = firewall_elems_get(buf, set, a);
	int ret;

	if (nlh == NULL)
		return -ENOMEM;
	ret = firewall_nl_query(&fw->nl, nlh, NFT_MSG_NEWSETELEM, probe_msg, &p);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	return p.found ? 1 : -EPROTO;
}

int firewall_session_idle_alive(struct firewall *fw, const struct ipaddr *addr)
{
	char err[ERR_LEN];

	if (addr_check(&fw->cfg, addr, err) < 0)
		return -EINVAL;
	return present(fw, firewall_elems_idle_set(addr), addr);
}

static int classes_add(struct classes *c, uint32_t idle_s)
{
	if (idle_s == 0)
		return 0;
	for (int i = 0; i < c->n; i++)
		if (c->secs[i] == idle_s)
			return 0;
	if (c->n == CLASSES_MAX)
		return -E2BIG;
	c->secs[c->n++] = idle_s;
	return 0;
}

static int chain_exists(struct firewall *fw, uint32_t idle_s)
{
	char buf[512], name[32];
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	int ret;

	firewall_build_class_name(name, sizeof(name), idle_s);
	if (c == NULL || nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, FIREWALL_TABLE) < 0 ||
	    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name) < 0) {
		if (c != NULL)
			nftnl_chain_free(c);
		return -ENOMEM;
	}
	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_INET, 0, 0);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	ret = firewall_nl_query(&fw->nl, nlh, NFT_MSG_NEWCHAIN, NULL, NULL);
	if (ret == -ENOENT)
		return 0;
	return ret < 0 ? ret : 1;
}

/* Which of the idle chains are missing: the ones this handle made or saw
 * are taken as there (a batch that needs a vanished one fails, and the
 * caller's next try looks again). */
static int classes_probe(struct firewall *fw, struct classes *c)
{
	for (int i = 0; i < c->n; i++) {
		bool known = false;
		int ret;

		for (int j = 0; j < fw->n_classes && !known; j++)
			known = fw->classes[j] == c->secs[i];
		if (known)
			continue;
		ret = chain_exists(fw, c->secs[i]);
		if (ret < 0)
			return ret;
		c->missing[i] = ret == 0;
		if (ret == 1 && fw->n_classes < FIREWALL_CLASS_CACHE)
			fw->classes[fw->n_classes++] = c->secs[i];
	}
	return 0;
}

static int classes_put(struct firewall_batch *b, const struct classes *c)
{
	int ret = 0;

	for (int i = 0; i < c->n && ret == 0; i++)
		if (c->missing[i])
			ret = firewall_build_class(b, c->secs[i]);
	return ret;
}

static void classes_made(struct firewall *fw, const struct classes *c)
{
	for (int i = 0; i < c->n; i++)
		if (c->missing[i] && fw->n_classes < FIREWALL_CLASS_CACHE)
			fw->classes[fw->n_classes++] = c->secs[i];
}

/* Elements of the four sets, each address into the set of its family. */
struct sinks {
	struct firewall_elems window[2], idle[2];
};

static void sinks_start(struct sinks *k, struct firewall_batch *b, uint16_t type)
{
	firewall_elems_start(&k->window[0], b, type, "window4");
	firewall_elems_start(&k->window[1], b, type, "window6");
	firewall_elems_start(&k->idle[0], b, type, "idle4");
	firewall_elems_start(&k->idle[1], b, type, "idle6");
}

static int sinks_end(struct sinks *k)
{
	int ret = 0, r;

	for (int i = 0; i < 2; i++) {
		r = firewall_elems_end(&k->window[i]);
		ret = ret < 0 ? ret : r;
		r = firewall_elems_end(&k->idle[i]);
		ret = ret < 0 ? ret : r;
	}
	return ret;
}

static int fam(const struct ipaddr *a)
{
	return a->family == AF_INET6 ? 1 : 0;
}

#define IN_WINDOW 0x1
#define IN_IDLE   0x2

/* Looks up where each address is now: IN_WINDOW | IN_IDLE. */
static int probe_all(struct firewall *fw, const struct ipaddr *addrs, size_t n, uint8_t *where)
{
	int ret;

	for (size_t i = 0; i < n; i++) {
		where[i] = 0;
		ret = present(fw, firewall_elems_window_set(&addrs[i]), &addrs[i]);
		if (ret < 0)
			return ret;
		where[i] |= ret == 1 ? IN_WINDOW : 0;
		ret = present(fw, firewall_elems_idle_set(&addrs[i]), &addrs[i]);
		if (ret < 0)
			return ret;
		where[i] |= ret == 1 ? IN_IDLE : 0;
	}
	return 0;
}

static void put_dels(struct sinks *k, const struct ipaddr *addrs, size_t n, const uint8_t *where)
{
	for (size_t i = 0; i < n; i++) {
		if (where[i] & IN_WINDOW)
			firewall_elems_add(&k->window[fam(&addrs[i])], &addrs[i], 0, false, 0);
		if (where[i] & IN_IDLE)
			firewall_elems_add(&k->idle[fam(&addrs[i])], &addrs[i], 0, false, 0);
	}
}

static void put_session(struct sinks *k, const struct firewall_session *s, bool idle)
{
	uint32_t idle_s = idle_secs(s->idle_ns);
	uint64_t left = s->idle_left_ns > 0 ? s->idle_left_ns : s->idle_ns;

	for (size_t i = 0; i < s->n_addrs; i++) {
		const struct ipaddr *a = &s->addrs[i];

		firewall_elems_add(&k->window[fam(a)], a, ms_up(s->window_ns), true, idle_s);
		if (idle && idle_s > 0)
			firewall_elems_add(&k->idle[fam(a)], a, ms_up(left), false, 0);
	}
}

/* One try of session_add or session_del (s->window_ns 0). */
static int session_try(struct firewall *fw, const struct firewall_session *s, uint8_t *where)
{
	struct classes c = {.n = 0};
	struct firewall_batch b;
	struct sinks k;
	int ret;

	if (s->window_ns > 0)
		(void)classes_add(&c, idle_secs(s->idle_ns));
	ret = classes_probe(fw, &c);
	if (ret == 0)
		ret = probe_all(fw, s->addrs, s->n_addrs, where);
	if (ret == 0)
		ret = firewall_nl_batch_init(&fw->nl, &b);
	if (ret < 0)
		return ret;
	ret = classes_put(&b, &c);
	/* The deletes first: a kernel reads a batch in order. */
	sinks_start(&k, &b, NFT_MSG_DELSETELEM);
	put_dels(&k, s->addrs, s->n_addrs, where);
	ret = ret < 0 ? ret : sinks_end(&k);
	if (s->window_ns > 0) {
		sinks_start(&k, &b, NFT_MSG_NEWSETELEM);
		put_session(&k, s, true);
		ret = ret < 0 ? ret : sinks_end(&k);
	}
	if (ret == 0)
		ret = firewall_nl_batch_commit(&fw->nl, &b, NULL);
	firewall_nl_batch_finish(&b);
	if (ret == 0)
		classes_made(fw, &c);
	else if (ret == -ENOENT || ret == -EEXIST)
		fw->n_classes = 0; /* look again */
	return ret;
}

static int session_change(struct firewall *fw, const struct firewall_session *s, const char *what,
			  char err[ERR_LEN])
{
	uint8_t *where;
	char first[IPADDR_STR_LEN], msg[96];
	int ret = 0;

	if (s->n_addrs == 0)
		return 0;
	where = calloc(s->n_addrs, 1);
	if (where == NULL)
		return firewall_error(err, -ENOMEM, what);
	for (int i = 0; i < TRIES; i++) {
		ret = session_try(fw, s, where);
		if (ret != -ENOENT && ret != -EEXIST)
			break;
	}
	free(where);
	if (ret == 0)
		return 0;
	ipaddr_format(&s->addrs[0], first, sizeof(first), false);
	snprintf(msg, sizeof(msg), "%s %s%s", what, first, s->n_addrs > 1 ? " and others" : "");
	return firewall_error(err, ret, msg);
}

int firewall_session_add(struct firewall *fw, const struct firewall_session *s, char err[ERR_LEN])
{
	int ret = session_check(&fw->cfg, s, err);

	return ret < 0 ? ret : session_change(fw, s, "adding", err);
}

int firewall_session_del(struct firewall *fw, const struct ipaddr *addrs, size_t n,
			 char err[ERR_LEN])
{
	struct firewall_session s = {.addrs = addrs, .n_addrs = n};
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++)
		ret = addr_check(&fw->cfg, &addrs[i], err);
	return ret < 0 ? ret : session_change(fw, &s, "removing", err);
}

static int reconcile_try(struct firewall *fw, const struct firewall_session *s, size_t n,
			 unsigned flags)
{
	struct classes c = {.n = 0};
	struct firewall_batch b;
	struct sinks k;
	bool idle = !(flags & FIREWALL_SESSION_KEEP_IDLE);
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++)
		ret = classes_add(&c, idle_secs(s[i].idle_ns));
	if (ret == 0)
		ret = classes_probe(fw, &c);
	if (ret == 0)
		ret = firewall_nl_batch_init(&fw->nl, &b);
	if (ret < 0)
		return ret;
	ret = classes_put(&b, &c);
	/* Emptied and filled in one commit: no packet sees the sets empty. */
	for (int f = 0; f < 2 && ret == 0; f++) {
		ret = firewall_elems_flush(&b, f == 0 ? "window4" : "window6");
		if (ret == 0 && idle)
			ret = firewall_elems_flush(&b, f == 0 ? "idle4" : "idle6");
	}
	sinks_start(&k, &b, NFT_MSG_NEWSETELEM);
	for (size_t i = 0; i < n; i++)
		put_session(&k, &s[i], idle);
	ret = ret < 0 ? ret : sinks_end(&k);
	if (ret == 0)
		ret = firewall_nl_batch_commit(&fw->nl, &b, NULL);
	firewall_nl_batch_finish(&b);
	if (ret == 0)
		classes_made(fw, &c);
	else if (ret == -ENOENT)
		fw->n_classes = 0;
	return ret;
}

int firewall_session_reconcile(struct firewall *fw, const struct firewall_session *s, size_t n,
		       unsigned flags, char err[ERR_LEN])
{
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++)
		ret = session_check(&fw->cfg, &s[i], err);
	if (ret < 0)
		return ret;
	for (int i = 0; i < TRIES; i++) {
		ret = reconcile_try(fw, s, n, flags);
		if (ret != -ENOENT)
			break;
	}
	if (ret == -EEXIST) {
		text_err(err, "nftables: reconciling: an address is listed twice");
		return ret;
	}
	if (ret == -E2BIG) {
		text_err(err, "nftables: reconciling: more than %d distinct idle timeouts",
			 CLASSES_MAX);
		return ret;
	}
	return ret < 0 ? firewall_error(err, ret, "reconciling the sessions") : 0;
}


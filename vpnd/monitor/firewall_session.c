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

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor/firewall.h"
#include "monitor/firewall_class.h"
#include "monitor/firewall_elems.h"
#include "monitor/firewall_msg.h"
#include "monitor/firewall_rules.h"
#include "monitor/firewall_session.h"

#define TRIES 4

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
	uint64_t expires_ms; /* 0: no timeout */
};

static int probe_elem(const struct firewall_msg_elem *e, void *data)
{
	struct probe *p = data;
	size_t len = p->a->family == AF_INET6 ? 16 : 4;

	if (e->key_len == len && memcmp(e->key, p->a->bytes, len) == 0) {
		p->found = true;
		p->expires_ms = e->expires_ms;
	}
	return 0;
}

static int probe_msg(const struct nlmsghdr *nlh, void *data)
{
	char set[FIREWALL_MSG_NAME];

	return firewall_msg_elems(nlh, set, probe_elem, data);
}

/* 1 when the address is in the set (and has not run out), else 0; the
 * time its element has left in *left_ms, when not NULL. */
static int present_left(struct firewall *fw, const char *set, const struct ipaddr *a,
			uint64_t *left_ms)
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
	if (left_ms != NULL)
		*left_ms = p.expires_ms;
	return p.found ? 1 : -EPROTO;
}

static int present(struct firewall *fw, const char *set, const struct ipaddr *a)
{
	return present_left(fw, set, a, NULL);
}

int firewall_session_idle_left(struct firewall *fw, const struct ipaddr *addr, uint64_t *left_ns)
{
	uint64_t ms = 0;
	char err[ERR_LEN];
	int ret;

	if (addr_check(&fw->cfg, addr, err) < 0)
		return -EINVAL;
	ret = present_left(fw, firewall_elems_idle_set(addr), addr, &ms);
	if (left_ns != NULL)
		*left_ns = ret == 1 ? ms * 1000000 : 0;
	return ret;
}

int firewall_session_idle_alive(struct firewall *fw, const struct ipaddr *addr)
{
	return firewall_session_idle_left(fw, addr, NULL);
}

static bool is_v6(const struct ipaddr *a)
{
	return a->family == AF_INET6;
}

/* Where an address is now: in which idle value's window set, and whether
 * in the idle set. */
struct where {
	uint64_t classes; /* bit i: in the window set of class i */
	bool idle;
};

static int probe_all(struct firewall *fw, const struct firewall_class *c,
		     const struct ipaddr *addrs, size_t n, struct where *w)
{
	char set[32];
	int ret;

	for (size_t i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		for (int k = 0; k < c->n; k++) {
			if (c->made[k])
				continue;
			firewall_elems_window_set(set, &addrs[i], c->secs[k]);
			ret = present(fw, set, &addrs[i]);
			if (ret < 0)
				return ret;
			w[i].classes |= (uint64_t)ret << k;
		}
		ret = present(fw, firewall_elems_idle_set(&addrs[i]), &addrs[i]);
		if (ret < 0)
			return ret;
		w[i].idle = ret == 1;
	}
	return 0;
}

/* Deletes what probe_all found: set by set, each one message. */
static int put_dels(struct firewall_batch *b, const struct firewall_class *c,
		    const struct ipaddr *addrs, size_t n, const struct where *w)
{
	struct firewall_elems e;
	char set[32];
	int ret = 0;

	for (int v6 = 0; v6 < 2 && ret == 0; v6++) {
		for (int k = 0; k < c->n && ret == 0; k++) {
			firewall_rules_window_name(set, sizeof(set), v6, c->secs[k]);
			firewall_elems_start(&e, b, NFT_MSG_DELSETELEM, set);
			for (size_t i = 0; i < n; i++)
				if (is_v6(&addrs[i]) == v6 && (w[i].classes >> k & 1))
					firewall_elems_add(&e, &addrs[i], 0);
			ret = firewall_elems_end(&e);
		}
		firewall_elems_start(&e, b, NFT_MSG_DELSETELEM, v6 ? "idle6" : "idle4");
		for (size_t i = 0; i < n; i++)
			if (is_v6(&addrs[i]) == v6 && w[i].idle)
				firewall_elems_add(&e, &addrs[i], 0);
		ret = ret < 0 ? ret : firewall_elems_end(&e);
	}
	return ret;
}

/* Adds those of the sessions whose idle value is idle_s to its window
 * sets, and (idle true) to the idle sets. */
static int put_sessions(struct firewall_batch *b, const struct firewall_session *s, size_t n,
			uint32_t idle_s, bool idle)
{
	struct firewall_elems e;
	char set[32];
	int ret = 0;

	for (int v6 = 0; v6 < 2 && ret == 0; v6++) {
		firewall_rules_window_name(set, sizeof(set), v6, idle_s);
		firewall_elems_start(&e, b, NFT_MSG_NEWSETELEM, set);
		for (size_t i = 0; i < n; i++) {
			if (idle_secs(s[i].idle_ns) != idle_s)
				continue;
			for (size_t j = 0; j < s[i].n_addrs; j++)
				if (is_v6(&s[i].addrs[j]) == v6)
					firewall_elems_add(&e, &s[i].addrs[j],
							   ms_up(s[i].window_ns));
		}
		ret = firewall_elems_end(&e);
		if (ret < 0 || !idle || idle_s == 0)
			continue;
		firewall_elems_start(&e, b, NFT_MSG_NEWSETELEM, v6 ? "idle6" : "idle4");
		for (size_t i = 0; i < n; i++) {
			uint64_t left = s[i].idle_left_ns > 0 ? s[i].idle_left_ns : s[i].idle_ns;

			if (idle_secs(s[i].idle_ns) != idle_s)
				continue;
			for (size_t j = 0; j < s[i].n_addrs; j++)
				if (is_v6(&s[i].addrs[j]) == v6)
					firewall_elems_add(&e, &s[i].addrs[j], ms_up(left));
		}
		ret = firewall_elems_end(&e);
	}
	return ret;
}

/* One try of session_add, or of session_del (s->window_ns 0). */
static int session_try(struct firewall *fw, const struct firewall_session *s, struct where *w)
{
	uint32_t idle_s = idle_secs(s->idle_ns);
	struct firewall_batch b;
	struct firewall_class c;
	int ret;

	ret = firewall_class_read(fw, &c);
	if (ret == 0 && s->window_ns > 0)
		ret = firewall_class_need(&c, idle_s);
	if (ret == 0)
		ret = probe_all(fw, &c, s->addrs, s->n_addrs, w);
	if (ret == 0)
		ret = firewall_nl_batch_init(&fw->nl, &b);
	if (ret < 0)
		return ret;
	ret = firewall_class_put(&b, &c);
	/* The deletes first: a kernel reads a batch in order. */
	if (ret == 0)
		ret = put_dels(&b, &c, s->addrs, s->n_addrs, w);
	if (ret == 0 && s->window_ns > 0)
		ret = put_sessions(&b, s, 1, idle_s, true);
	if (ret == 0)
		ret = firewall_nl_batch_commit(&fw->nl, &b, NULL);
	firewall_nl_batch_finish(&b);
	return ret;
}

static int session_change(struct firewall *fw, const struct firewall_session *s, const char *what,
			  char err[ERR_LEN])
{
	char first[IPADDR_STR_LEN], msg[96];
	struct where *w;
	int ret = 0;

	if (s->n_addrs == 0)
		return 0;
	w = calloc(s->n_addrs, sizeof(*w));
	if (w == NULL)
		return firewall_error(err, -ENOMEM, what);
	for (int i = 0; i < TRIES; i++) {
		ret = session_try(fw, s, w);
		if (ret != -ENOENT && ret != -EEXIST)
			break;
	}
	free(w);
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
	bool idle = !(flags & FIREWALL_SESSION_KEEP_IDLE), used[FIREWALL_CLASS_MAX];
	struct firewall_batch b;
	struct firewall_class c;
	char set[32];
	int ret;

	ret = firewall_class_read(fw, &c);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = firewall_class_need(&c, idle_secs(s[i].idle_ns));
	if (ret == 0)
		ret = firewall_nl_batch_init(&fw->nl, &b);
	if (ret < 0)
		return ret;
	for (int k = 0; k < c.n; k++) {
		used[k] = k == 0; /* off stays */
		for (size_t i = 0; i < n && !used[k]; i++)
			used[k] = idle_secs(s[i].idle_ns) == c.secs[k];
	}
	ret = firewall_class_put(&b, &c);
	if (ret == 0)
		ret = firewall_class_prune(fw, &b, &c, used);
	/* Emptied and filled in one commit: no packet sees the sets empty. */
	for (int v6 = 0; v6 < 2 && ret == 0; v6++) {
		for (int k = 0; k < c.n && ret == 0; k++) {
			firewall_rules_window_name(set, sizeof(set), v6, c.secs[k]);
			if (!c.made[k] && used[k])
				ret = firewall_elems_flush(&b, set);
		}
		if (ret == 0 && idle)
			ret = firewall_elems_flush(&b, v6 ? "idle6" : "idle4");
	}
	for (int k = 0; k < c.n && ret == 0; k++)
		ret = put_sessions(&b, s, n, c.secs[k], idle);
	if (ret == 0)
		ret = firewall_nl_batch_commit(&fw->nl, &b, NULL);
	firewall_nl_batch_finish(&b);
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
		if (ret != -ENOENT && ret != -EEXIST)
			break;
	}
	if (ret == -EEXIST) {
		text_err(err, "nftables: reconciling: an address is listed twice");
		return ret;
	}
	if (ret == -E2BIG) {
		text_err(err, "nftables: reconciling: more than %d distinct idle timeouts",
			 FIREWALL_CLASS_MAX - 1);
		return ret;
	}
	return ret < 0 ? firewall_error(err, ret, "reconciling the sessions") : 0;
}

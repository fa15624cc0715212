/* SPDX-License-Identifier: ISC */
/*
 * Comparing table inet keygate with what it must be. The rules are
 * compared in a canonical form (firewall_msg.h) made from the bytes of
 * the rules we would install, so that one definition (firewall_rules.c)
 * serves both. A rule is matched anywhere in its chain, so that a deleted
 * or added rule is named once rather than shifting every rule after it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "monitor/firewall_build.h"
#include "monitor/firewall_check.h"
#include "monitor/firewall_rules.h"

__attribute__((format(printf, 2, 3))) static void note(struct firewall_report *r, const char *fmt,
						       ...)
{
	va_list ap;

	if (r->n < FIREWALL_REPORT_LINES) {
		va_start(ap, fmt);
		vsnprintf(r->line[r->n], sizeof(r->line[r->n]), fmt, ap);
		va_end(ap);
	}
	r->n++;
}

static const char *hook_name(uint32_t hooknum)
{
	static const char *const names[] = {"prerouting", "input",       "forward",
					    "output",     "postrouting", "ingress"};

	return hooknum < sizeof(names) / sizeof(names[0]) ? names[hooknum] : "unknown";
}

static const char *policy_name(const struct firewall_msg_chain *c)
{
	if (!c->has_policy)
		return "none";
	return c->policy == NF_ACCEPT ? "accept" : c->policy == NF_DROP ? "drop" : "unknown";
}

static void compare_set(const struct firewall_build_set *want, const struct firewall_msg_set *s,
			struct firewall_report *r)
{
	if (s->flags != want->flags || s->key_type != want->key_type || s->key_len != want->key_len)
		note(r,
		     "set %s: flags 0x%x, key type %u of %u bytes; want flags 0x%x, key type %u of "
		     "%u "
		     "bytes",
		     s->name, s->flags, s->key_type, s->key_len, want->flags, want->key_type,
		     want->key_len);
}

static const struct firewall_msg_set *find_set(const struct firewall_live *l, const char *name)
{
	for (size_t j = 0; j < l->n_sets; j++)
		if (strcmp(l->sets[j].name, name) == 0)
			return &l->sets[j];
	return NULL;
}

static int port_order(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void ports_text(char *out, size_t size, const uint16_t *ports, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%u", i > 0 ? " " : "",
					 ports[i]);
}

static void compare_ports(const struct firewall_config *cfg, const struct firewall_live *l,
			  struct firewall_report *r)
{
	uint16_t want[FIREWALL_MAX_PORTS], have[FIREWALL_LIVE_PORTS];
	char wt[96], ht[96];
	size_t nw = (size_t)cfg->n_mail_ports;

	memcpy(want, cfg->mail_ports, nw * sizeof(want[0]));
	memcpy(have, l->ports, l->n_ports * sizeof(have[0]));
	qsort(want, nw, sizeof(want[0]), port_order);
	qsort(have, l->n_ports, sizeof(have[0]), port_order);
	if (!l->ports_odd && nw == l->n_ports && memcmp(want, have, nw * sizeof(want[0])) == 0)
		return;
	ports_text(wt, sizeof(wt), want, nw);
	ports_text(ht, sizeof(ht), have, l->n_ports);
	note(r, "set mailports holds { %s }%s, want { %s }", ht,
	     l->ports_odd ? " and elements that are no port" : "", wt);
}

static void compare_sets(const struct firewall_config *cfg, const struct firewall_live *l,
			 struct firewall_report *r)
{
	for (int i = 0; i < FIREWALL_BUILD_SETS; i++) {
		const struct firewall_build_set *want = &firewall_build_sets[i];
		const struct firewall_msg_set *s = find_set(l, want->name);

		if (s == NULL)
			note(r, "set %s is missing", want->name);
		else
			compare_set(want, s, r);
		if (s != NULL && i == 0)
			compare_ports(cfg, l, r);
	}
	/* The window sets of the idle values come in pairs, made on demand. */
	for (size_t j = 0; j < l->n_sets; j++) {
		const struct firewall_msg_set *s = &l->sets[j];
		char other[32];
		uint32_t idle_s;
		bool v6, fixed = false;

		for (int i = 0; i < FIREWALL_BUILD_SETS && !fixed; i++)
			fixed = strcmp(s->name, firewall_build_sets[i].name) == 0;
		if (fixed)
			continue;
		if (!firewall_rules_window_parse(s->name, &v6, &idle_s)) {
			note(r, "set %s is not keygate's", s->name);
			continue;
		}
		compare_set(&firewall_build_class_sets[v6], s, r);
		firewall_rules_window_name(other, sizeof(other), !v6, idle_s);
		if (find_set(l, other) == NULL)
			note(r, "set %s is missing (%s is there)", other, s->name);
	}
}

static void compare_chain(const struct firewall_build_chain *want,
			  const struct firewall_msg_chain *c, struct firewall_report *r)
{
	if (!want->base) {
		if (c->base)
			note(r, "chain %s is hooked (%s), want a regular chain", c->name,
			     hook_name(c->hooknum));
		return;
	}
	if (!c->base) {
		note(r, "chain %s is not hooked, want hook %s priority %d", c->name,
		     hook_name(want->hooknum), FIREWALL_PRIORITY);
		return;
	}
	char d[FIREWALL_REPORT_LEN] = "";
	size_t u = 0;

	if (strcmp(c->type, "filter") != 0)
		u += (size_t)snprintf(d + u, sizeof(d) - u, ", type %s (want filter)", c->type);
	if (u < sizeof(d) && c->hooknum != want->hooknum)
		u += (size_t)snprintf(d + u, sizeof(d) - u, ", hook %s (want %s)",
				      hook_name(c->hooknum), hook_name(want->hooknum));
	if (u < sizeof(d) && c->prio != FIREWALL_PRIORITY)
		u += (size_t)snprintf(d + u, sizeof(d) - u, ", priority %d (want %d)", c->prio,
				      FIREWALL_PRIORITY);
	if (u < sizeof(d) && (!c->has_policy || c->policy != NF_ACCEPT))
		u += (size_t)snprintf(d + u, sizeof(d) - u, ", policy %s (want accept)",
				      policy_name(c));
	if (u < sizeof(d) && (c->flags & ~(uint32_t)NFT_CHAIN_BASE) != 0)
		u += (size_t)snprintf(d + u, sizeof(d) - u, ", flags 0x%x", c->flags);
	if (u > 0)
		note(r, "chain %s: %s", c->name, d + 2);
}

static bool same_rule(const struct firewall_msg_rule *a, const struct firewall_msg_rule *b)
{
	return !a->too_long && !b->too_long && a->canon_len == b->canon_len &&
	       memcmp(a->canon, b->canon, a->canon_len) == 0;
}

/* The rules a chain must hold, in order; chain idle's from the idle
 * values whose window sets are there. */
static int expected(const struct firewall_config *cfg, const char *chain,
		    const struct firewall_live *l, struct firewall_rules_want *want, int max)
{
	uint32_t idle_s;
	bool v6;
	int n = 0, ret;

	if (strcmp(chain, "idle") != 0)
		return firewall_rules_expected(cfg, chain, 0, want, max);
	for (size_t j = 0; j < l->n_sets; j++) {
		/* Each value once: by its IPv4 set, or by its IPv6 set alone. */
		if (!firewall_rules_window_parse(l->sets[j].name, &v6, &idle_s) || idle_s == 0)
			continue;
		if (v6) {
			char v4[32];

			firewall_rules_window_name(v4, sizeof(v4), false, idle_s);
			if (find_set(l, v4) != NULL)
				continue;
		}
		ret = firewall_rules_expected(cfg, chain, idle_s, want + n, max - n);
		if (ret < 0)
			return ret;
		n += ret;
	}
	return n;
}

static int compare_rules(const struct firewall_config *cfg, const char *chain,
			 const struct firewall_live *l, struct firewall_report *r)
{
	/* Two rules per pair of window sets in chain idle, fewer elsewhere. */
	const int max = 2 * (int)l->n_sets + FIREWALL_RULES_MAX;
	struct firewall_rules_want *want;
	bool used[FIREWALL_LIVE_MAX] = {false};
	size_t have[FIREWALL_LIVE_MAX], nh = 0, last = 0;
	bool ordered = true, any = false;
	int nw;

	want = calloc((size_t)max, sizeof(*want));
	if (want == NULL)
		return -ENOMEM;
	nw = expected(cfg, chain, l, want, max);
	for (size_t j = 0; j < l->n_rules; j++)
		if (strcmp(l->rules[j].chain, chain) == 0)
			have[nh++] = j;
	for (int i = 0; i < nw; i++) {
		size_t k;

		for (k = 0; k < nh; k++)
			if (!used[k] && same_rule(&want[i].msg, &l->rules[have[k]]))
				break;
		if (k == nh) {
			note(r, "chain %s: rule '%s' is missing", chain, want[i].text);
			continue;
		}
		used[k] = true;
		ordered = ordered && (!any || k > last);
		any = true;
		last = k;
	}
	for (size_t k = 0; k < nh; k++)
		if (!used[k])
			note(r, "chain %s: rule %zu (%s) is not keygate's", chain, k + 1,
			     l->rules[have[k]].names);
	/* Chain idle's order does not matter: an address is in one window set. */
	if (!ordered && strcmp(chain, "idle") != 0)
		note(r, "chain %s: the rules are out of order", chain);
	free(want);
	return nw < 0 ? nw : 0;
}

static int compare_chains(const struct firewall_config *cfg, const struct firewall_live *l,
			  struct firewall_report *r)
{
	int ret = 0;

	for (int i = 0; i < FIREWALL_BUILD_CHAINS && ret == 0; i++) {
		const struct firewall_build_chain *want = &firewall_build_chains[i];
		const struct firewall_msg_chain *c = NULL;

		for (size_t j = 0; j < l->n_chains && c == NULL; j++)
			if (strcmp(l->chains[j].name, want->name) == 0)
				c = &l->chains[j];
		if (c == NULL) {
			note(r, "chain %s is missing", want->name);
			continue;
		}
		compare_chain(want, c, r);
		ret = compare_rules(cfg, want->name, l, r);
	}
	for (size_t j = 0; j < l->n_chains; j++) {
		bool fixed = false;

		for (int i = 0; i < FIREWALL_BUILD_CHAINS && !fixed; i++)
			fixed = strcmp(l->chains[j].name, firewall_build_chains[i].name) == 0;
		if (!fixed)
			note(r, "chain %s is not keygate's", l->chains[j].name);
	}
	return ret;
}

int firewall_check_compare(const struct firewall_config *cfg, const struct firewall_live *l,
			   struct firewall_report *report)
{
	int ret;

	memset(report, 0, sizeof(*report));
	if (!l->have_table) {
		note(report, "table inet " FIREWALL_TABLE " is missing");
		return report->n;
	}
	if (l->table_flags != 0)
		note(report, "table inet " FIREWALL_TABLE " has flags 0x%x%s", l->table_flags,
		     l->table_flags & 0x1 ? " (dormant: none of its chains runs)" : "");
	compare_sets(cfg, l, report);
	ret = compare_chains(cfg, l, report);
	return ret < 0 ? ret : report->n;
}

int firewall_check(struct firewall *fw, struct firewall_report *report, char err[ERR_LEN])
{
	struct firewall_live l;
	int ret;

	firewall_live_init(&l);
	ret = firewall_live_read(&l, &fw->nl);
	if (ret == 0)
		ret = firewall_check_compare(&fw->cfg, &l, report);
	firewall_live_finish(&l);
	if (ret < 0)
		text_err(err, "nftables: reading table inet " FIREWALL_TABLE ": %s",
			 ret == -EBADMSG || ret == -EPROTO ? "malformed or unexpected netlink reply"
							   : strerror(-ret));
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * The idle classes of keygate's table: the sessions that share an idle
 * value share a pair of window sets and two rules in chain idle
 * (firewall.h). A class is made by the first transaction that needs it and
 * goes with the reconcile that finds no session in it.
 */
#ifndef KEYGATE_FIREWALL_CLASS_H
#define KEYGATE_FIREWALL_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "monitor/firewall.h"
#include "monitor/firewall_nl.h"

/* Classes in a table; more is damage (check names it, install mends it). */
#define FIREWALL_CLASS_MAX 64

struct firewall_class {
	uint32_t secs[FIREWALL_CLASS_MAX]; /* secs[0] is 0: idle off, always there */
	bool made[FIREWALL_CLASS_MAX];     /* made by the batch being built */
	int n;
};

/* Which classes the table has now (a dump of its sets); -E2BIG past
 * FIREWALL_CLASS_MAX. */
int firewall_class_read(struct firewall *fw, struct firewall_class *c);
/* A batch needs the class of idle_s: marked to be made unless there. */
int firewall_class_need(struct firewall_class *c, uint32_t idle_s);
/* Puts the sets and rules of the classes marked made into the batch. */
int firewall_class_put(struct firewall_batch *b, const struct firewall_class *c);
/* Puts the deletion of the classes (other than off and those made) whose
 * used[i] is false: their rules (found by a dump of chain idle), then their
 * window sets. */
int firewall_class_prune(struct firewall *fw, struct firewall_batch *b,
			 const struct firewall_class *c, const bool *used);

#endif

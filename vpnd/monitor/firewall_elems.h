/* SPDX-License-Identifier: ISC */
/*
 * Set elements of keygate's table: sessions' addresses going into or out
 * of the window sets and idle sets, gathered into as few messages as fit.
 */
#ifndef KEYGATE_FIREWALL_ELEMS_H
#define KEYGATE_FIREWALL_ELEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "monitor/firewall_nl.h"

#define FIREWALL_ELEMS_GET_LEN 512

struct nftnl_set;

/* Elements of one set on their way into a batch. */
struct firewall_elems {
	struct firewall_batch *b;
	uint16_t type; /* NFT_MSG_NEWSETELEM or NFT_MSG_DELSETELEM */
	char set[32];
	struct nftnl_set *s;
	unsigned n;
	int error;
};

/* The window set of an address's family and an idle value (0: off). */
void firewall_elems_window_set(char out[32], const struct ipaddr *a, uint32_t idle_s);
/* The idle set of an address's family. */
const char *firewall_elems_idle_set(const struct ipaddr *a);

void firewall_elems_start(struct firewall_elems *e, struct firewall_batch *b, uint16_t type,
			  const char *set);
/* timeout_ms 0: none (a delete's element). */
void firewall_elems_add(struct firewall_elems *e, const struct ipaddr *a, uint64_t timeout_ms);
/* Puts what is left into the batch; the first error of the lot. */
int firewall_elems_end(struct firewall_elems *e);
/* Empties a set: a DELSETELEM without elements. */
int firewall_elems_flush(struct firewall_batch *b, const char *set);
/* A request for one element (GETSETELEM) into buf (FIREWALL_ELEMS_GET_LEN
 * bytes); NULL when memory runs out. */
struct nlmsghdr *firewall_elems_get(void *buf, const char *set, const struct ipaddr *a);

#endif

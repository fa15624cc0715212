/* SPDX-License-Identifier: ISC */
/*
 * The activation port's counters: the network child keeps them (its
 * actserver, netchild/actserver.h), sends them in STATS messages, and the
 * monitor keeps the sum over every child for `vpnd status`. Every datagram
 * received ends in exactly one of the drop, hello or reply counters.
 */
#ifndef VPND_ACTSTATS_H
#define VPND_ACTSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

struct actstats {
	uint64_t received;
	uint64_t drop_malformed; /* length, version, type */
	uint64_t drop_mac0;      /* blind garbage */
	uint64_t drop_mac1;
	uint64_t drop_rate;      /* this source over its limit */
	uint64_t drop_global;    /* all sources together over theirs */
	uint64_t drop_challenge; /* bad tag, expired, from the future */
	uint64_t drop_replay;
	uint64_t drop_decrypt;
	uint64_t drop_busy; /* replay cache full */
	uint64_t hellos;
	uint64_t other_version; /* answered in or about another protocol version */
	uint64_t retired_key;   /* made under a retired activation key */
	uint64_t retransmits;   /* answered from the reply ring */
	uint64_t requests;      /* decrypted */
	uint64_t replies[PROTO_ERR_WIRE_MAX + 1]; /* by status */
	/* Datagrams the kernel dropped on a full receive buffer, before
	 * `received` saw them (SO_RXQ_OVFL): the child, who reads the socket,
	 * sets it from the socket's own running count. */
	uint64_t drop_socket;
};

/* How many counters there are: the fields above, replies one by one. */
#define ACTSTATS_N (15 + PROTO_ERR_WIRE_MAX + 1 + 1)

/* Counter i (0 <= i < ACTSTATS_N), in the order of the struct, which is
 * also the order of the STATS message. */
uint64_t actstats_get(const struct actstats *s, size_t i);
void actstats_set(struct actstats *s, size_t i, uint64_t v);
/* Adds every counter of a to sum. */
void actstats_add(struct actstats *sum, const struct actstats *a);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The numbers vpnd serves in Prometheus's text format (docs/metrics.md):
 * the monitor gathers them (monitor/metrics.c) and pushes a snapshot to
 * the network child once a second in an ACTMSG_METRICS message; the child
 * keeps the last one and renders it at each scrape (netchild/metrics.c),
 * so a scrape never waits for the monitor. The message is the type byte,
 * a count, and that many little-endian 64-bit numbers in the order of
 * struct metrics_snap; the count must be this version's exactly.
 */
#ifndef VPND_METRICSMSG_H
#define VPND_METRICSMSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/actstats.h"

/* Peers, by what they can do now. */
enum metrics_peer {
	METRICS_PEER_PENDING,  /* no key yet: enrollment is due */
	METRICS_PEER_DISABLED, /* the admin disabled it */
	METRICS_PEER_READY,    /* may activate; no session */
	METRICS_PEER_OPEN,     /* a live session: on the interface */
	METRICS_PEERS,
};

/* Session ends, by vpnd's audit word (reason=...). */
enum metrics_end {
	METRICS_END_EXPIRED,
	METRICS_END_IDLE,
	METRICS_END_KILLED,
	METRICS_END_DOWN,
	METRICS_END_REVOKED,
	METRICS_END_REMOVED,
	METRICS_END_DISABLED,
	METRICS_END_REGISTRY_CHANGED,
	METRICS_END_OTHER,
	METRICS_ENDS,
};

/* The drop rules of table inet keygate, by chain. */
enum metrics_fw {
	METRICS_FW_INPUT,   /* a mail port, from outside the tunnel */
	METRICS_FW_FORWARD, /* the same, routed */
	METRICS_FW_TUNNEL,  /* from the tunnel without an open window */
	METRICS_FW_CHAINS,
};

struct metrics_snap {
	uint64_t start_time; /* unix seconds vpnd started */
	uint64_t sessions;   /* live */
	uint64_t owners;
	uint64_t peers[METRICS_PEERS];
	uint64_t ends[METRICS_ENDS];
	uint64_t netchild_restarts;
	uint64_t netchild_violations;
	uint64_t lockouts_active; /* credentials locked now */
	uint64_t lockouts;        /* locks begun since start */
	uint64_t fw_table;        /* 1: table inet keygate is there; 0: missing */
	uint64_t fw_packets[METRICS_FW_CHAINS];
	uint64_t fw_bytes[METRICS_FW_CHAINS];
	struct actstats act; /* the activation port, every child's summed */
};

/* The numbers in a snapshot, and the largest message. */
#define METRICSMSG_N   (8 + METRICS_PEERS + METRICS_ENDS + 2 * METRICS_FW_CHAINS + ACTSTATS_N)
#define METRICSMSG_LEN (1 + 2 + 8 * METRICSMSG_N)

/* Writes METRICSMSG_LEN bytes into buf (room for as many). */
void metricsmsg_encode(uint8_t *buf, size_t *len, const struct metrics_snap *s);
/* 0, or -EBADMSG for anything but one whole snapshot of this version (s
 * is zeroed then). */
int metricsmsg_decode(struct metrics_snap *s, const uint8_t *msg, size_t len);

/* The label values of the enums above, in lower case. */
const char *metricsmsg_peer_name(enum metrics_peer p);
const char *metricsmsg_end_name(enum metrics_end e);
const char *metricsmsg_fw_name(enum metrics_fw f);
/* The enum of an audit word of a session's end: METRICS_END_OTHER for one
 * this version does not know. */
enum metrics_end metricsmsg_end_of(const char *reason);

#endif

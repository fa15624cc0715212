/* SPDX-License-Identifier: ISC */
/*
 * The gateway's packet pipeline for the activation port (docs/protocol.md
 * 7), without I/O: a datagram in, at most one datagram out, never larger.
 * Length and header, the MACs (which say the key), per-source rate limit,
 * HELLO → CHALLENGE, another version's packet → its refusal; for a
 * REQUEST the challenge, the replay cache and a ring of recent replies for
 * retransmissions, decryption, the client's clock; then the operation is
 * handed to the caller (vpnd: registry, sessions, interface), whose answer
 * is sealed. Every drop and refusal is counted.
 */
#ifndef VPND_ACTSERVER_H
#define VPND_ACTSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/actstats.h"
#include "proto/proto.h"

/*
 * The operation. Fill rep (status and fields; gateway_time is set already)
 * and return 0; a negative return answers PROTO_ERR_INTERNAL. src is the
 * datagram's source, for audit lines.
 */
typedef int (*actserver_op_fn)(void *arg, const struct proto_opened *o, const struct sockaddr *src,
			       struct proto_reply *rep);

/*
 * Or the operation asked for without waiting (vpnd's child: the monitor
 * answers several at once, behind one fdatasync). Return 0 when it was
 * sent: the request then waits in pending slot `slot` for
 * actserver_answer, and a retransmission of it meanwhile is dropped; a
 * negative return answers PROTO_ERR_INTERNAL at once. With no slot free a
 * request is refused as busy before its X25519.
 */
#define ACTSERVER_PENDING 64
typedef int (*actserver_submit_fn)(void *arg, const struct proto_opened *o,
				   const struct sockaddr *src, unsigned slot);

struct actserver_config {
	actserver_op_fn op;
	actserver_submit_fn submit; /* when set, op is not used */
	proto_ss_fn ss;             /* NULL: computed each time */
	void *arg;
	size_t replay_slots;   /* power of two; default for global_per_sec */
	size_t rate_buckets;   /* power of two; default 4096 */
	uint32_t rate_burst;   /* default 20 */
	uint32_t rate_per_sec; /* default 5 */
	/* REQUESTs with a valid challenge, from all sources together, that
	 * may go on to the X25519 and the operation. */
	uint32_t global_burst;   /* default 400 */
	uint32_t global_per_sec; /* default 200 */
	unsigned max_skew;       /* seconds; default PROTO_MAX_SKEW */
};

/* The activation keys it answers to (docs/protocol.md 3.2). */
struct actserver_keys {
	uint8_t act_sk[KEY_LEN];
	const uint8_t *prev_sk;    /* the key a rotation replaced, or NULL */
	uint64_t prev_until;       /* unix seconds: then prev_sk goes */
	const uint8_t *retired_pk; /* a retired key's public half, or NULL */
};

struct actserver;

int actserver_create(struct actserver **s, const struct actserver_keys *keys,
		     const struct actserver_config *cfg);
void actserver_destroy(struct actserver **s);
const uint8_t *actserver_public_key(const struct actserver *s);
/* Its counters; drop_socket stays 0: the socket is the caller's. */
const struct actstats *actserver_stats(const struct actserver *s);

/*
 * The slot keys' and the previous key's clock: makes the slot key of now,
 * erases the expired ones and the previous key past its grace. Every
 * packet does it too; call it once a second when none come, so that no
 * key outlives its time in an idle gateway.
 */
void actserver_tick(struct actserver *s, uint64_t now_ms, uint64_t wall);

/*
 * One datagram. now_ms: CLOCK_BOOTTIME in milliseconds; wall: unix
 * seconds. *outlen is 0 when nothing is to be sent.
 */
void actserver_packet(struct actserver *s, const uint8_t *pkt, size_t len,
		      const struct sockaddr *src, uint64_t now_ms, uint64_t wall, uint8_t *out,
		      size_t *outlen);

/* Whether every pending slot waits for an answer: the caller then leaves
 * datagrams in its socket until one is answered, as a request would
 * only be refused. */
bool actserver_busy(const struct actserver *s);

/*
 * The answer to the request in pending slot `slot` (rep NULL: it failed,
 * PROTO_ERR_INTERNAL), sealed into out; *dst and *dstlen say where it
 * goes. -ENOENT when the slot holds no request.
 */
int actserver_answer(struct actserver *s, unsigned slot, struct proto_reply *rep, uint64_t now_ms,
		     uint8_t *out, size_t *outlen, struct sockaddr_storage *dst, socklen_t *dstlen);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The messages between vpnd's privileged monitor and its unprivileged
 * network child (docs/privsep.md), one per SOCK_SEQPACKET datagram. A flat
 * layout of fixed-width integers and length-prefixed byte strings, with no
 * CBOR or other parser on the monitor's side: every length is checked
 * against its field's cap before anything is copied, every enum against its
 * range, every name against the wire's character set, and a message must
 * end exactly where its last field does. What decodes here is only well
 * formed; the monitor still checks what it means (peer known, credential
 * the owner's, counter growing).
 */
#ifndef VPND_ACTMSG_H
#define VPND_ACTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/actstats.h"
#include "proto/proto.h"

#define ACTMSG_MAX 2048 /* bytes in one message, either way */

/* What each side may send, and when, is the monitor's dispatch table
 * (monitor/dispatch.c); the child's side is netchild/monwrap.c. */
enum actmsg_type {
	ACTMSG_INIT = 1,   /* monitor -> child: the key and the limits */
	ACTMSG_READY = 2,  /* child -> monitor: sandboxed, serving */
	ACTMSG_RESULT = 4, /* monitor -> child: the reply to a request */
	ACTMSG_STATS = 5,  /* child -> monitor: the packet counters */
	/* The web page (common/webmsg.h). */
	ACTMSG_WEB_CONF = 6,   /* monitor -> child: TLS files, trusted proxies */
	ACTMSG_WEB_REQ = 7,    /* child -> monitor: one call of the page's API */
	ACTMSG_WEB_RESULT = 8, /* monitor -> child: its answer */
	/* monitor -> child, once a second with [Metrics]: the numbers the
	 * child serves (common/metricsmsg.h). */
	ACTMSG_METRICS = 15,
	/* child -> monitor: one decrypted request, a type per operation:
	 * ACTMSG_OPS + its enum proto_op. All carry a struct actmsg_op. */
	ACTMSG_OPS = 0x10,
	ACTMSG_ACTIVATE = ACTMSG_OPS + PROTO_OP_ACTIVATE,
	ACTMSG_ENROLL = ACTMSG_OPS + PROTO_OP_ENROLL,
	ACTMSG_ADD_KEY = ACTMSG_OPS + PROTO_OP_ADD_KEY,
	ACTMSG_DEACTIVATE = ACTMSG_OPS + PROTO_OP_DEACTIVATE,
	ACTMSG_STATUS = ACTMSG_OPS + PROTO_OP_STATUS,
	/* Mail logins (common/mailmsg.h). */
	ACTMSG_MAIL_TABLE = 0x20,   /* monitor -> child: sessions' owners, logins */
	ACTMSG_MAIL_REFUSED = 0x21, /* child -> monitor: a login refused, to audit */
};

struct actmsg_init {
	uint8_t act_sk[KEY_LEN];
	/* The key a rotation replaced, accepted until prev_until (unix
	 * seconds); all zero without one. */
	uint8_t prev_sk[KEY_LEN];
	uint64_t prev_until;
	/* A key retired, public half; all zero without one. */
	uint8_t retired_pk[KEY_LEN];
	uint32_t rate_burst, rate_per_sec;     /* per source */
	uint32_t global_burst, global_per_sec; /* all sources: requests to decrypt */
};

/* req.op is the message's type's: it does not travel on its own. */
struct actmsg_op {
	uint32_t seq;
	uint8_t key;     /* the activation key it was made under: 0 current, 1 previous */
	uint8_t src[18]; /* proto_addr_bytes: IPv6 (or v4-mapped) and port */
	struct proto_challenge challenge;
	bool has_static;
	uint8_t static_pub[KEY_LEN];
	struct proto_request req;
};

struct actmsg_result {
	uint32_t seq;
	struct proto_reply rep;
};

/* The type of a message, or -EBADMSG for an empty or unknown one. */
int actmsg_type(const uint8_t *msg, size_t len);

/* Encoders write at most ACTMSG_MAX bytes into buf and set *len. */
int actmsg_encode_init(uint8_t *buf, size_t *len, const struct actmsg_init *m);
/* type: one of the operations' (ACTMSG_ACTIVATE ...), else -EINVAL. */
int actmsg_encode_op(uint8_t *buf, size_t *len, enum actmsg_type type, const struct actmsg_op *m);
int actmsg_encode_result(uint8_t *buf, size_t *len, const struct actmsg_result *m);
int actmsg_encode_stats(uint8_t *buf, size_t *len, const struct actstats *m);
void actmsg_encode_ready(uint8_t *buf, size_t *len);

/* Decoders: 0, or -EBADMSG for anything but one well-formed message of
 * their type; the output is wiped on failure. */
int actmsg_decode_init(struct actmsg_init *m, const uint8_t *msg, size_t len);
int actmsg_decode_op(struct actmsg_op *m, enum actmsg_type type, const uint8_t *msg, size_t len);
int actmsg_decode_result(struct actmsg_result *m, const uint8_t *msg, size_t len);
int actmsg_decode_stats(struct actstats *m, const uint8_t *msg, size_t len);

#endif

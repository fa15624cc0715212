/* SPDX-License-Identifier: ISC */
/*
 * The client's side of one exchange over UDP (docs/protocol.md 4, 6):
 * HELLO until a CHALLENGE comes, then the caller's prepare step (usually a
 * touch of the security key, which may take many seconds), then the
 * REQUEST, retransmitted as the same bytes until the REPLY comes. Plain
 * ERRORs are advice: the last one is what is reported if nothing better
 * arrives before the tries run out.
 */
#ifndef KEYGATE_ACTCLIENT_H
#define KEYGATE_ACTCLIENT_H

#include <stdint.h>

#include "proto/proto.h"

struct actclient_opts {
	const char *host; /* name or address */
	uint16_t port;
	int timeout_ms;     /* per try; default 1000 */
	int tries;          /* per step; default 5 */
	const char *source; /* a local address to send from, or NULL (benchmarks) */
};

/*
 * Called once the challenge is in, to fill the request (assertion, code,
 * new credential) with proto_client_cdh(c, ...) as the hash to sign.
 * Returns 0 or a client-side enum proto_err (NO_TOUCH, WRONG_PIN, ...).
 */
typedef int (*actclient_prepare_fn)(void *arg, const struct proto_client *c,
				    struct proto_request *req);

/*
 * One exchange. Returns PROTO_OK with *rep filled (rep->status says what
 * the gateway decided), or why there is no reply: PROTO_ERR_NO_ANSWER, an
 * advisory plain code, PROTO_ERR_CLOCK_SKEW with rep->skew when the
 * gateway's slot key is older than clocks may differ (docs/protocol.md
 * 3.1), what prepare returned, or -errno for a local failure
 * (a name that does not resolve: -EHOSTUNREACH). For no answer and for a
 * gateway that cannot be reached, err says so in a line of its own ("the
 * gateway is not answering (after 5 tries)"); otherwise it is empty.
 */
int actclient_run(const struct actclient_opts *o, const uint8_t gw_pub[KEY_LEN], enum proto_op op,
		  const struct proto_target *target, const uint8_t *static_sk,
		  actclient_prepare_fn prepare, void *arg, struct proto_reply *rep,
		  char err[ERR_LEN]);

#endif

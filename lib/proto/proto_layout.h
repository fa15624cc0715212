/* SPDX-License-Identifier: ISC */
/*
 * Where the fields of a packet sit (docs/protocol.md 4), and the big-endian
 * times in them. The bottom of lib/proto's internals: the key schedule,
 * the slot keys, the client and version 1 all read packets, so none of
 * them may own the layout without the others leaning on it. Internal; the
 * API is in proto.h.
 */
#ifndef KEYGATE_PROTO_LAYOUT_H
#define KEYGATE_PROTO_LAYOUT_H

#include <stdint.h>

#include "proto/proto.h"

/* Every type: the commitment after the header. */
#define PROTO_OFF_COMMIT 4
/* CHALLENGE and REQUEST: the challenge. */
#define PROTO_OFF_TIME 36
#define PROTO_OFF_TAG  44
/* CHALLENGE: the slot key and its certificate. */
#define PROTO_OFF_SLOT_PUB  68
#define PROTO_OFF_SLOT_WALL 100
#define PROTO_OFF_SLOT_ED   108
#define PROTO_OFF_SLOT_SIG  140
/* REQUEST */
#define PROTO_OFF_EPH     68
#define PROTO_OFF_STATIC  100
#define PROTO_OFF_PAYLOAD 148
#define PROTO_OFF_MAC1    (PROTO_REQUEST_LEN - PROTO_MAC_LEN)
/* REPLY */
#define PROTO_OFF_REPLY 36
/* ERROR */
#define PROTO_OFF_CODE 36
void proto_layout_put_u64(uint8_t out[8], uint64_t v);
uint64_t proto_layout_get_u64(const uint8_t in[8]);

#endif

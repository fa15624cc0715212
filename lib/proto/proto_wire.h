/* SPDX-License-Identifier: ISC */
/*
 * What proto_wire.c lends the rest of lib/proto (proto_v1.c); internal,
 * the API is in proto.h.
 */
#ifndef KEYGATE_PROTO_WIRE_H
#define KEYGATE_PROTO_WIRE_H

#include "proto/proto.h"

/* A challenge tag: MAC24(challenge_secret, label || time || addr ||
 * commit). Each version has its label, so no tag serves two of them. */
void proto_wire_tag(const struct proto_gateway *gw, const char *label, uint8_t tag[PROTO_TAG_LEN],
		    uint64_t time, const uint8_t addr[18], const uint8_t commit[32]);

#endif

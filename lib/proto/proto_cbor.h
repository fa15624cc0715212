/* SPDX-License-Identifier: ISC */
/*
 * What the CBOR encoder (proto_cbor.c) and decoder (proto_cbor_decode.c)
 * share; internal to lib/, the API is in proto.h.
 */
#ifndef KEYGATE_PROTO_CBOR_H
#define KEYGATE_PROTO_CBOR_H

#include <stdbool.h>

#include "proto/proto.h"

/* Pairs in the largest payload (a REPLY with every field). */
#define PROTO_CBOR_MAX_PAIRS 18

/* Whether the request has the fields its op needs (docs/protocol.md 6),
 * each in range; both sides check it, so neither sends nor takes a
 * request of the wrong shape. */
bool proto_cbor_request_ok(const struct proto_request *r);

#endif

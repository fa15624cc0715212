/* SPDX-License-Identifier: ISC */
/*
 * What proto_slot.c lends the rest of lib/proto: certifying slot keys
 * (the gateway) and checking a CHALLENGE's certificate (the client).
 * Internal; the API is in proto.h.
 */
#ifndef KEYGATE_PROTO_SLOT_H
#define KEYGATE_PROTO_SLOT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

/* Signs every live slot key with the gateway's key number key. */
int proto_slot_certify(struct proto_gateway *gw, unsigned key);
/* Whether a CHALLENGE's slot key is certified by the key gw_pub. */
bool proto_slot_cert_ok(const uint8_t gw_pub[KEY_LEN], const uint8_t chal[PROTO_CHALLENGE_LEN]);

#endif

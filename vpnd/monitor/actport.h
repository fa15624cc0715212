/* SPDX-License-Identifier: ISC */
/*
 * The activation port (docs/protocol.md, docs/privsep.md): its UDP socket,
 * bound by the monitor and read by the network child, and its key pair,
 * derived from the gateway's WireGuard key.
 */
#ifndef VPND_ACTPORT_H
#define VPND_ACTPORT_H

#include <stdint.h>

#include "base/key.h"

/* Binds the port (IPv6 dual stack, else IPv4): the fd, or -errno (logged).
 * Done before privileges go, so a port below 1024 works. */
int actport_bind(uint16_t port);
/* The activation public key (its secret is proto_activation_key's): what
 * enrollment URIs carry as gw=, and what every clientDataHash names. */
void actport_public_key(uint8_t pub[KEY_LEN], const uint8_t wg_sk[KEY_LEN]);

#endif

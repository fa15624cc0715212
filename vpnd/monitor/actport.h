/* SPDX-License-Identifier: ISC */
/*
 * The activation port (docs/protocol.md, docs/privsep.md): its UDP socket,
 * bound by the monitor and read by the network child, and its keys
 * (state/actkey.h): loaded at start, made or migrated when missing,
 * rotated on the admin's word, the replaced key retired when its grace
 * ends. Below verify.c and privsep.c, which ask it for keys; the handler of
 * `vpnd key rotate-activation` (handle_actkey.c) is above both.
 */
#ifndef VPND_ACTPORT_H
#define VPND_ACTPORT_H

#include <stdint.h>

#include "base/key.h"
#include "base/strbuf.h"
#include "common/actmsg.h"
#include "monitor/daemon.h"

struct actport;

/* Binds the port (IPv6 dual stack, else IPv4): the fd, or -errno (logged).
 * Done before privileges go, so a port below 1024 works. */
int actport_bind(uint16_t port);

/* The keys of d's StateDirectory. A gateway without a key file gets a
 * fresh key; one whose registry has peers ran protocol version 1, and
 * its clients hold the key derived from the WireGuard key: that key is
 * kept as the previous one for ACTKEY_GRACE (a migration, audited). Needs
 * d->loop, d->reg and d->private_key. -errno, logged. */
int actport_open(struct actport **out, struct vpnd *d);
void actport_close(struct actport **ap);

/* The current activation public key: what enrollment URIs carry as gw=. */
void actport_public_key(uint8_t pub[KEY_LEN], const struct actport *ap);
/* The key a request made under key number idx names in its clientDataHash
 * (0 current, 1 previous), or NULL when that key is not accepted now. */
const uint8_t *actport_request_key(const struct actport *ap, unsigned idx);
/* The keys for a network child's INIT. */
void actport_child_keys(const struct actport *ap, struct actmsg_init *init);

/* A new current key; the old one is accepted for grace seconds more.
 * Written to the file first: on failure nothing changed (-errno, err).
 * The running network child knows nothing of it until it restarts. */
int actport_rotate(struct actport *ap, uint64_t grace, const char *by, char err[ERR_LEN]);
/* "activation-key", "activation-key-previous", "...-until" fields. */
void actport_status_fields(const struct actport *ap, struct strbuf *o);

#endif

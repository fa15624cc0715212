/* SPDX-License-Identifier: ISC */
/*
 * The activation port (docs/protocol.md): a UDP socket in vpnd's event
 * loop feeding lib/actserver, and the operations on vpnd's registry and
 * sessions: enroll, activate, add a key, end, report.
 */
#ifndef VPND_ACTIVATION_H
#define VPND_ACTIVATION_H

#include "actserver.h"
#include "vpnd.h"

/* Binds the port (IPv6 dual stack, else IPv4) and joins d->loop. */
int activation_open(struct vpnd *d);
void activation_close(struct vpnd *d);
/* The activation public key: what enrollment URIs carry as gw=. */
void activation_public_key(const struct vpnd *d, uint8_t pub[KEY_LEN]);
/* Counters for `vpnd status`; NULL when the port is not open. */
const struct actserver_stats *activation_stats(void);
/* The counters as control-protocol fields ("act-drop-mac0" ...). */
struct strbuf;
void activation_status_fields(struct strbuf *o);
/* Every session end passes here (gate.c audit_end), so `enroll status` can
 * say why a session ended. reason: vpnd's audit word. */
void activation_note_end(const char *peer, const char *reason, uint64_t idle_seconds);

#endif

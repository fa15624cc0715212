/* SPDX-License-Identifier: ISC */
/*
 * The activation port (docs/protocol.md, docs/privsep.md): the UDP socket,
 * bound by the monitor and read by the network child (vpnd/netchild.c),
 * and the operations on vpnd's registry and sessions that the child asks
 * the monitor for: enroll, activate, add a key, end, report.
 */
#ifndef VPND_ACTIVATION_H
#define VPND_ACTIVATION_H

#include "common/actmsg.h"
#include "netchild/actserver.h"
#include "monitor/vpnd.h"

/* Binds the port (IPv6 dual stack, else IPv4) and prepares the network
 * child (privsep_open); privsep_start runs it once privileges are gone. */
int activation_open(struct vpnd *d);
void activation_close(struct vpnd *d);
/* The activation public key: what enrollment URIs carry as gw=. */
void activation_public_key(const struct vpnd *d, uint8_t pub[KEY_LEN]);
/* One request from the network child, checked again and carried out. */
int activation_op(const struct actmsg_op *op, struct proto_reply *rep);
/* The counters as control-protocol fields ("act-drop-mac0" ...). */
struct strbuf;
void activation_status_fields(struct strbuf *o);
/* Every session end passes here (gate.c audit_end), so `enroll status` can
 * say why a session ended. reason: vpnd's audit word. */
void activation_note_end(const char *peer, const char *reason, uint64_t idle_seconds);

#endif

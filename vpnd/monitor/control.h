/* SPDX-License-Identifier: ISC */
/* The control socket: root's clients (vpnd peer, owner, key, session,
 * status) send one request each; handlers.c answers it. */
#ifndef VPND_CONTROL_H
#define VPND_CONTROL_H

#include "monitor/daemon.h"

/* Creates the socket (conf's ControlSocket, mode 0600 in a 0700
 * directory) and serves it from d->loop; -EADDRINUSE when another vpnd
 * answers there. */
int control_open(struct vpnd *d);
void control_close(struct vpnd *d);

#endif

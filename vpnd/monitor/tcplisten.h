/* SPDX-License-Identifier: ISC */
/*
 * A listening TCP socket, made by the monitor before the sandbox and handed
 * to the network child at its number (common/childfd.h): the web page's,
 * and every other local HTTP endpoint the child serves.
 */
#ifndef VPND_TCPLISTEN_H
#define VPND_TCPLISTEN_H

#include <stdint.h>

#include "base/text.h"

/* Binds HOST (a literal address) and PORT, non-blocking and close-on-exec,
 * and listens; the fd or -errno, with err naming what (a vpnd.conf key,
 * "[Web] Listen") and the address. */
int tcplisten_open(const char *host, uint16_t port, const char *what, char err[ERR_LEN]);

#endif

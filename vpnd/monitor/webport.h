/* SPDX-License-Identifier: ISC */
/*
 * The web page's files on the monitor's side (docs/web.md): the WEB_CONF
 * message with the certificate and key the monitor reads for it (the child
 * can open no file), at start and on every SIGHUP. Its listening socket is
 * tcplisten.h's.
 */
#ifndef VPND_WEBPORT_H
#define VPND_WEBPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/text.h"
#include "gateway/webconf.h"

/* Reads Certificate and Key (none for plain HTTP) and encodes WEB_CONF
 * into buf (WEBMSG_CONF_MAX bytes); 0 or -errno with err naming the
 * file. */
int webport_conf(const struct webconf *w, uint8_t *buf, size_t *len, char err[ERR_LEN]);

#endif

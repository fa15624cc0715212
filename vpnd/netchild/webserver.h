/* SPDX-License-Identifier: ISC */
/*
 * The web page's HTTP(S) server in the network child (docs/web.md):
 * libmicrohttpd in external-select mode inside the child's own poll loop,
 * no threads, on the listening socket the monitor made. It serves the
 * pages from memory and forwards each API call, parsed (webreq.c), to the
 * monitor (monwrap_web), whose JSON answer it sends back. TLS with the
 * certificate and key the monitor read; plain HTTP behind a trusted proxy,
 * which alone may name the client in X-Forwarded-For.
 */
#ifndef VPND_WEBSERVER_H
#define VPND_WEBSERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "netchild/monwrap.h"

#define WEBSERVER_CONNS        48 /* connections at once */
#define WEBSERVER_CONNS_PER_IP 8  /* from one address, without a proxy */

struct webserver;

int webserver_create(struct webserver **out, int listen_fd, struct monwrap *mon);
void webserver_destroy(struct webserver **ws);
/* A WEB_CONF message: (re)starts the server with its TLS files on the same
 * socket. 0, -EBADMSG, or -EIO when libmicrohttpd refused (a bad key). */
int webserver_configure(struct webserver *ws, const uint8_t *msg, size_t len);
/* Adds the server's descriptors to p (room for cap), returns how many, and
 * lowers *timeout_ms to its own deadline. */
size_t webserver_poll_fds(struct webserver *ws, struct pollfd *p, size_t cap, int *timeout_ms);
/* Runs the server on what poll said of those descriptors. */
void webserver_run(struct webserver *ws, const struct pollfd *p, size_t n);

#endif

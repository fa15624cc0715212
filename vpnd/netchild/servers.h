/* SPDX-License-Identifier: ISC */
/*
 * The network child's TCP servers, each on the listener the monitor handed
 * over at its number (common/childfd.h), each run from the child's one
 * poll loop: the web page (webserver.c), the metrics (metricsrv.c),
 * Dovecot's and Postfix's mail policies (mailpolicy.c, smtppolicy.c, which
 * decide by the table the monitor sends). A server whose listener is
 * absent is off. Below netchild.c, above the servers.
 */
#ifndef VPND_SERVERS_H
#define VPND_SERVERS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mailmsg.h"
#include "netchild/mailpolicy.h"
#include "netchild/metricsrv.h"
#include "netchild/monwrap.h"
#include "netchild/smtppolicy.h"
#include "netchild/webserver.h"

/* Poll entries the servers may add at most. */
#define SERVERS_FDS                                                                                \
	(WEBSERVER_CONNS + 8 + METRICSRV_CONNS + 4 + MAILPOLICY_CONNS + SMTPPOLICY_CONNS + 8)

struct servers {
	struct webserver *web;         /* NULL without [Web] */
	struct metricsrv *stats;       /* NULL without [Metrics] */
	struct mailpolicy *mail;       /* NULL without [Mail] DovecotPolicy */
	struct smtppolicy *smtp;       /* NULL without [Mail] PostfixPolicy */
	struct mailmsg_table mailtab;  /* the monitor's, replaced whole */
	size_t n_web, n_stats, n_mail; /* their entries in the last poll set */
	size_t n_smtp;
};

/* Starts the servers whose listeners are open, reading the messages that
 * follow INIT (WEB_CONF, MAIL_TABLE) into msg (WEBMSG_CONF_MAX bytes, kept
 * by mon for a WEB_CONF that comes while a wrapper waits). *tcp_fd and
 * *max_fd grow for sandbox_enter: the first listener, and the connections
 * the servers may hold. 0 or -errno, logged. */
int servers_start(struct servers *s, struct monwrap *mon, uint8_t *msg, int *tcp_fd, int *max_fd);
/* A message the monitor sent unasked: WEB_CONF (SIGHUP), METRICS,
 * MAIL_TABLE; any other is not theirs and ignored. -EIO when the web page's
 * server cannot restart with the new files (the child then exits, and the
 * monitor starts a new one with them). */
int servers_message(struct servers *s, struct monwrap *mon, const uint8_t *msg, size_t len);
/* Then the WEB_CONF that came while a wrapper waited, if one did. */
int servers_kept_conf(struct servers *s, struct monwrap *mon);
/* Adds the servers' descriptors to p (room for cap), returns how many, and
 * lowers *timeout_ms to their deadlines. */
size_t servers_poll_fds(struct servers *s, struct pollfd *p, size_t cap, int *timeout_ms);
/* Runs them on what poll said of those descriptors. */
void servers_run(struct servers *s, const struct pollfd *p);

#endif

/* SPDX-License-Identifier: ISC */
/* The network child's TCP servers (servers.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/log.h"
#include "common/actmsg.h"
#include "common/childfd.h"
#include "common/mailpart.h"
#include "common/webmsg.h"
#include "netchild/servers.h"

static bool has_fd(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* The web page: its WEB_CONF follows INIT. The time zone is read now, as
 * no file can be once sandboxed. */
static int web_start(struct servers *s, struct monwrap *mon, uint8_t *msg)
{
	int n, ret;

	tzset();
	n = monwrap_read_web_conf(mon, msg, WEBMSG_CONF_MAX);
	if (n < 0) {
		log_error("no web configuration from the monitor: %s", strerror(-n));
		return n;
	}
	/* From here a WEB_CONF may come while a wrapper waits: it keeps it. */
	mon->conf = msg;
	if ((ret = webserver_create(&s->web, CHILDFD_WEB, mon)) < 0 ||
	    (ret = webserver_configure(s->web, msg, (size_t)n)) < 0) {
		log_error("cannot start the web page's server: %s", strerror(-ret));
		return ret;
	}
	sodium_memzero(msg, (size_t)n);
	return 0;
}

static int web_configure(struct servers *s, const uint8_t *msg, size_t len)
{
	if (webserver_configure(s->web, msg, len) < 0)
		return -EIO;
	log_info("the web page's server restarted with its new certificate");
	return 0;
}

/* A part of a new mail table: the servers hold a pointer to the table,
 * which the last part replaces in place. A part that does not fit its
 * sequence, or a whole that does not decode, leaves an empty table, which
 * refuses every login from a tunnel: the old one may still allow a session
 * that has ended since, and the monitor never sends such a part, so
 * something is wrong. Its next table mends it. */
static void mail_table(void *arg, const uint8_t *msg, size_t len)
{
	struct servers *s = arg;
	uint64_t dropped;

	if (mailpart_add(&s->mailtab, msg, len) >= 0)
		return;
	dropped = s->mailtab.dropped;
	mailmsg_table_free(&s->mailtab);
	s->mailtab.dropped = dropped;
	log_error("a mail table from the monitor was dropped unfinished (%llu so far); refusing "
		  "tunnels' logins until the next",
		  (unsigned long long)dropped);
}

/* Dovecot's and Postfix's policy servers, with the table that follows
 * INIT (and WEB_CONF). */
static int mail_start(struct servers *s, struct monwrap *mon)
{
	int n, ret = 0;

	mon->table = malloc(MAILMSG_TABLE_MAX);
	if (mon->table == NULL)
		return -ENOMEM;
	n = monwrap_read_mail_table(mon);
	if (n < 0) {
		log_error("no mail table from the monitor: %s", strerror(-n));
		return n;
	}
	mail_table(s, mon->table, (size_t)n);
	mon->on_table = mail_table;
	mon->table_arg = s;
	if (has_fd(CHILDFD_MAIL))
		ret = mailpolicy_create(&s->mail, CHILDFD_MAIL, &s->mailtab, mon);
	if (ret == 0 && has_fd(CHILDFD_SMTP))
		ret = smtppolicy_create(&s->smtp, CHILDFD_SMTP, &s->mailtab, mon);
	if (ret < 0)
		log_error("cannot start the mail policy servers: %s", strerror(-ret));
	return ret;
}

/* Each server's connections are descriptors, and libmicrohttpd keeps one
 * spare to turn away the connection over its limit. */
static void grow(int *tcp_fd, int *max_fd, int listener, int conns)
{
	if (*tcp_fd < 0 || listener < *tcp_fd)
		*tcp_fd = listener;
	*max_fd = (*max_fd > CHILDFD_END ? *max_fd : CHILDFD_END) + conns;
}

int servers_start(struct servers *s, struct monwrap *mon, uint8_t *msg, int *tcp_fd, int *max_fd)
{
	int ret;

	if (has_fd(CHILDFD_WEB)) {
		if ((ret = web_start(s, mon, msg)) < 0)
			return ret;
		grow(tcp_fd, max_fd, CHILDFD_WEB, WEBSERVER_CONNS + 1);
	}
	if (has_fd(CHILDFD_STATS)) {
		if ((ret = metricsrv_create(&s->stats, CHILDFD_STATS)) < 0) {
			log_error("cannot start the metrics' server: %s", strerror(-ret));
			return ret;
		}
		grow(tcp_fd, max_fd, CHILDFD_STATS, METRICSRV_CONNS + 1);
	}
	if (has_fd(CHILDFD_MAIL) || has_fd(CHILDFD_SMTP)) {
		if ((ret = mail_start(s, mon)) < 0)
			return ret;
		grow(tcp_fd, max_fd, s->mail != NULL ? CHILDFD_MAIL : CHILDFD_SMTP,
		     MAILPOLICY_CONNS + 1 + SMTPPOLICY_CONNS);
	}
	return 0;
}

int servers_message(struct servers *s, struct monwrap *mon, const uint8_t *msg, size_t len)
{
	switch (actmsg_type(msg, len)) {
	case ACTMSG_WEB_CONF:
		return s->web != NULL ? web_configure(s, msg, len) : 0;
	case ACTMSG_METRICS:
		if (s->stats != NULL && metricsrv_update(s->stats, msg, len) < 0)
			log_warn("a malformed metrics snapshot from the monitor, dropped");
		return 0;
	case ACTMSG_MAIL_TABLE:
		if (mon->table != NULL)
			mail_table(s, msg, len);
		return 0;
	default:
		return 0;
	}
}

int servers_kept_conf(struct servers *s, struct monwrap *mon)
{
	int ret;

	if (mon->conf_len == 0)
		return 0;
	ret = web_configure(s, mon->conf, mon->conf_len);
	sodium_memzero(mon->conf, mon->conf_len);
	mon->conf_len = 0;
	return ret;
}

size_t servers_poll_fds(struct servers *s, struct pollfd *p, size_t cap, int *timeout_ms)
{
	size_t n = 0;

	s->n_web = s->n_stats = s->n_mail = s->n_smtp = 0;
	if (s->web != NULL)
		n += s->n_web = webserver_poll_fds(s->web, p + n, cap - n, timeout_ms);
	if (s->stats != NULL)
		n += s->n_stats = metricsrv_poll_fds(s->stats, p + n, cap - n, timeout_ms);
	if (s->mail != NULL)
		n += s->n_mail = mailpolicy_poll_fds(s->mail, p + n, cap - n, timeout_ms);
	if (s->smtp != NULL)
		n += s->n_smtp = smtppolicy_poll_fds(s->smtp, p + n, cap - n, timeout_ms);
	return n;
}

void servers_run(struct servers *s, const struct pollfd *p)
{
	if (s->web != NULL)
		webserver_run(s->web, p, s->n_web);
	p += s->n_web;
	if (s->stats != NULL)
		metricsrv_run(s->stats, p, s->n_stats);
	p += s->n_stats;
	if (s->mail != NULL)
		mailpolicy_run(s->mail, p, s->n_mail);
	p += s->n_mail;
	if (s->smtp != NULL)
		smtppolicy_run(s->smtp, p, s->n_smtp);
}

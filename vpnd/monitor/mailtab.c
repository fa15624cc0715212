/* SPDX-License-Identifier: ISC */
/* Mail logins: listeners, the child's table, refusals (mailtab.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/strbuf.h"
#include "common/childfd.h"
#include "common/mailmsg.h"
#include "common/mailpart.h"
#include "gateway/ctl.h"
#include "monitor/audit.h"
#include "monitor/mailtab.h"
#include "monitor/tcplisten.h"

#define RETRY_MS 50 /* the longest wait for room on the child's socket */
/* About what the parts leave free of the socket's buffer (the kernel
 * counts some 10% more for a part than its bytes): the RESULTs, METRICS
 * and WEB_CONF that share it are sent without waiting, at most 64 RESULTs
 * in flight. */
#define RESERVE         (256 * 1024)
#define AUDIT_PER_SEC   50
#define LOGINS_PER_SESS (1 + MAILCONF_DOMAINS_MAX + 16)

struct mailtab {
	struct vpnd *d;
	int dovecot_fd, postfix_fd;
	char unix_path[MAILCONF_UNIX_MAX + 1]; /* removed at close */
	int child_fd;
	struct loop_source *retry;
	struct mailmsg_enc enc;    /* the table being sent, grown as it needs */
	uint8_t *buf;              /* one part: MAILMSG_TABLE_MAX */
	uint32_t gen, next, parts; /* next < parts: a table under way */
	bool dirty;                /* a change since the table under way was built */
	uint64_t wait_ms;          /* for room on the socket, doubled to RETRY_MS */
	bool attaching;            /* a new child's first part goes regardless */
	size_t sndbuf;             /* the socket's buffer */
	uint32_t sessions, left_out;
	uint64_t refused, refused_by[3], unaudited;
	uint64_t audit_sec, audit_in_sec;
};

static int unix_listen(const char *path, char err[ERR_LEN])
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, e;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	/* A socket left by a vpnd that did not stop cleanly; never a file. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	/* Postfix's smtpd connects as its own user: the directory the
	 * socket is in (Postfix's private/) decides who reaches it. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
	    listen(fd, 128) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	text_err(err, "cannot listen on [Mail] PostfixPolicy unix:%s: %s", path, strerror(e));
	return -e;
}

static int retry_cb(int fd, uint32_t events, void *data);

int mailtab_open(struct mailtab **out, struct vpnd *d)
{
	const struct mailconf *mc = &d->conf.mail;
	struct mailtab *mt = calloc(1, sizeof(*mt));
	char err[ERR_LEN];
	int ret = -ENOMEM;

	*out = NULL;
	if (mt == NULL)
		return -ENOMEM;
	*mt = (struct mailtab){.d = d, .dovecot_fd = -1, .postfix_fd = -1, .child_fd = -1};
	*out = mt;
	if (!mc->enabled)
		return 0;
	mt->buf = malloc(MAILMSG_TABLE_MAX);
	mt->retry = loop_add_timer(d->loop, CLOCK_MONOTONIC, retry_cb, mt);
	if (mt->buf == NULL || mt->retry == NULL)
		goto fail;
	if (mc->dovecot_port != 0 &&
	    (ret = mt->dovecot_fd = tcplisten_open(mc->dovecot_host, mc->dovecot_port,
						   "[Mail] DovecotPolicy", err)) < 0)
		goto fail_err;
	if (mc->postfix_port != 0 &&
	    (ret = mt->postfix_fd = tcplisten_open(mc->postfix_host, mc->postfix_port,
						   "[Mail] PostfixPolicy", err)) < 0)
		goto fail_err;
	if (mc->postfix_unix[0] != '\0') {
		if ((ret = mt->postfix_fd = unix_listen(mc->postfix_unix, err)) < 0)
			goto fail_err;
		strcpy(mt->unix_path, mc->postfix_unix);
	}
	return 0;
fail_err:
	log_error("%s", err);
fail:
	mailtab_close(out);
	return ret;
}

void mailtab_close(struct mailtab **p)
{
	struct mailtab *mt = *p;

	if (mt == NULL)
		return;
	if (mt->retry != NULL && mt->d->loop != NULL)
		loop_remove(mt->d->loop, &mt->retry);
	if (mt->dovecot_fd >= 0)
		close(mt->dovecot_fd);
	if (mt->postfix_fd >= 0)
		close(mt->postfix_fd);
	if (mt->unix_path[0] != '\0')
		unlink(mt->unix_path);
	mailmsg_enc_free(&mt->enc);
	free(mt->buf);
	free(mt);
	*p = NULL;
}

int mailtab_child_fd(const struct mailtab *mt, int which)
{
	if (mt == NULL)
		return -1;
	return which == CHILDFD_MAIL ? mt->dovecot_fd : which == CHILDFD_SMTP ? mt->postfix_fd : -1;
}

static void lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

/* One live session's entry: its owner's name, name@each domain, and the
 * logins set for the owner. */
static int add_session(struct mailtab *mt, struct mailmsg_enc *e, const struct session *s)
{
	const struct mailconf *mc = &mt->d->conf.mail;
	const struct reg_owner *o = registry_owner_find(mt->d->reg, s->owner);
	char names[1 + MAILCONF_DOMAINS_MAX][MAILMSG_LOGIN_MAX + 1];
	char extra[REG_MAIL_LOGINS_LEN], *save = NULL, *tok;
	const char *logins[LOGINS_PER_SESS];
	size_t n = 0, len = e->len;
	int ret = 0;
	uint32_t entries = e->n;

	if (o == NULL)
		return 0;
	snprintf(names[0], sizeof(names[0]), "%s", o->name);
	lower(names[0]);
	logins[n++] = names[0];
	for (int i = 0; i < mc->n_domains; i++)
		if ((size_t)snprintf(names[i + 1], sizeof(names[i + 1]), "%s@%s", names[0],
				     mc->domains[i]) < sizeof(names[i + 1]))
			logins[n++] = names[i + 1];
	snprintf(extra, sizeof(extra), "%s", o->mail_logins);
	for (tok = strtok_r(extra, ",", &save); tok != NULL && n < LOGINS_PER_SESS;
	     tok = strtok_r(NULL, ",", &save))
		logins[n++] = tok;
	/* An entry per tunnel address: a login over IPv6 is the owner's as
	 * much as one over IPv4. A session is in whole or not at all. */
	for (int i = 0; i < s->n_addrs && ret == 0; i++) {
		struct ipaddr net = s->addrs[i];

		if (net.prefix == 0)
			net.prefix = net.family == AF_INET ? 32 : 128;
		ret = mailmsg_enc_entry(e, &net, names[0], logins, n);
	}
	if (ret < 0) {
		e->len = len;
		e->n = entries;
	}
	return ret;
}

static int build(struct mailtab *mt)
{
	const struct mailconf *mc = &mt->d->conf.mail;
	struct mailmsg_enc *e = &mt->enc;
	uint32_t left_out = 0, sessions = 0;
	int ret;

	ret = mailmsg_enc_start(e, NULL, MAILMSG_TABLE_TOTAL_MAX, mc->trusted, mc->n_trusted);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < mt->d->sessions.n; i++)
		/* What does not fit (hundreds of MB, or no memory) is refused:
		 * the table errs closed. */
		if (add_session(mt, e, mt->d->sessions.heap[i]) < 0)
			left_out++;
		else
			sessions++;
	if (left_out > 0 && mt->left_out == 0)
		log_warn("the mail table holds %u sessions; %u more did not fit, their "
			 "owners' mail logins are refused",
			 sessions, left_out);
	mt->left_out = left_out;
	mt->sessions = sessions;
	mailmsg_enc_finish(e);
	mt->parts = mailpart_count(e->len);
	mt->next = 0;
	mt->gen++;
	return 0;
}

/* Whether a part of len bytes leaves the others their room; one goes
 * into an empty socket whatever its size. */
static bool room(const struct mailtab *mt, size_t len)
{
	int queued = 0;

	if (ioctl(mt->child_fd, SIOCOUTQ, &queued) < 0 || queued <= 0)
		return true;
	return (size_t)queued + len + RESERVE <= mt->sndbuf;
}

/* Sends the table under way part after part, as far as the socket takes
 * them. A change while one is under way waits for its end: under a steady
 * stream of changes every table still arrives whole. 0 when all is sent,
 * -EAGAIN when the socket is full, -ENOMEM when no table could be built,
 * -EIO. */
static int pump(struct mailtab *mt, bool *moved)
{
	*moved = false;
	for (;;) {
		if (mt->next == mt->parts) {
			if (!mt->dirty)
				return 0;
			if (build(mt) < 0)
				return -ENOMEM; /* still dirty: tried again */
			mt->dirty = false;
		}
		while (mt->next < mt->parts) {
			size_t len =
				mailpart_encode(mt->buf, mt->gen, mt->next, mt->enc.p, mt->enc.len);
			ssize_t n;

			/* The first part of a new child's first table goes
			 * whatever the room: the child reads it before its
			 * loop, and anything else first would stop it. */
			if (!(mt->attaching && mt->next == 0) && !room(mt, len))
				return -EAGAIN;
			n = send(mt->child_fd, mt->buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == ENOBUFS))
				return -EAGAIN;
			if (n != (ssize_t)len)
				return -EIO;
			mt->next++;
			*moved = true;
		}
	}
}

static void arm(struct mailtab *mt, uint64_t after_ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	/* Absolute, never 0 (which disarms): now fires on the next turn. */
	loop_timer_set(mt->retry, (uint64_t)t.tv_sec * NS_PER_SEC + (uint64_t)t.tv_nsec +
					  after_ms * 1000000ULL);
}

static int retry_cb(int fd, uint32_t events, void *data)
{
	struct mailtab *mt = data;
	uint64_t ticks;
	bool moved;
	int ret;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return 0;
	if (mt->child_fd < 0 || (mt->dovecot_fd < 0 && mt->postfix_fd < 0))
		return 0;
	/* The child reads a part a turn of its loop: a millisecond's wait
	 * mostly finds room again; a stuck child is asked less and less
	 * often, down to every RETRY_MS. */
	ret = pump(mt, &moved);
	if (ret == -EAGAIN) {
		mt->wait_ms = moved || mt->wait_ms == 0 ? 1 : mt->wait_ms * 2;
		if (mt->wait_ms > RETRY_MS)
			mt->wait_ms = RETRY_MS;
		arm(mt, mt->wait_ms);
	} else if (ret == -ENOMEM) {
		arm(mt, RETRY_MS);
	} else if (ret < 0) {
		/* The child is going, most likely: a new one gets a table
		 * of its own. If not, a whole table again in a second (the
		 * child drops the one cut short). */
		log_warn("a part of the mail table did not go to the network child; the "
			 "whole table again in a second");
		mt->next = mt->parts;
		mt->dirty = true;
		arm(mt, 1000);
	}
	return 0;
}

int mailtab_attach(struct mailtab *mt, int sock)
{
	socklen_t sl = sizeof(int);
	int sndbuf = 0;
	bool moved;
	int ret;

	mt->child_fd = sock;
	mt->next = mt->parts = 0;
	if (sock < 0 || (mt->dovecot_fd < 0 && mt->postfix_fd < 0))
		return 0;
	getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl);
	mt->sndbuf = sndbuf > 0 ? (size_t)sndbuf : 0;
	/* What the socket takes now (the first part the child reads before
	 * its loop, unless INIT and WEB_CONF fill it); the rest after. */
	mt->dirty = true;
	mt->wait_ms = 0;
	mt->attaching = true;
	ret = pump(mt, &moved);
	mt->attaching = false;
	if (ret == 0)
		return 0;
	if (ret == -EAGAIN && mt->next > 0) {
		arm(mt, 1);
		return 0;
	}
	mt->child_fd = -1; /* the caller closes it */
	return -EIO;
}

void mailtab_changed(struct mailtab *mt)
{
	if (mt == NULL || mt->child_fd < 0 || (mt->dovecot_fd < 0 && mt->postfix_fd < 0))
		return;
	/* Built and sent once per turn of the loop, however many sessions a
	 * batch of activations (or a mass expiry) opened or ended: the
	 * table is O(sessions). One under way goes on; this one follows. */
	mt->dirty = true;
	if (mt->next == mt->parts)
		arm(mt, 0);
}

int mailtab_refused(struct mailtab *mt, const uint8_t *msg, size_t len)
{
	struct mailmsg_refused r;
	char remote[IPADDR_STR_LEN];
	uint64_t sec = (uint64_t)time(NULL);

	if (mailmsg_decode_refused(&r, msg, len) < 0)
		return -EBADMSG;
	mt->refused++;
	mt->refused_by[r.service]++;
	if (sec != mt->audit_sec) {
		mt->audit_sec = sec;
		mt->audit_in_sec = 0;
	}
	if (++mt->audit_in_sec > AUDIT_PER_SEC) {
		mt->unaudited++;
		return 0;
	}
	ipaddr_format(&r.remote, remote, sizeof(remote), false);
	audit_event("mail-refused", "service", r.service == MAILMSG_DOVECOT ? "dovecot" : "postfix",
		    "protocol", r.protocol[0] != '\0' ? r.protocol : "-", "login",
		    r.login[0] != '\0' ? r.login : "-", "remote", remote, "tunnel-owner",
		    r.owner[0] != '\0' ? r.owner : "-", "reason",
		    mailmsg_reason_name((enum mailmsg_verdict)r.reason), NULL);
	return 0;
}

void mailtab_status_fields(const struct mailtab *mt, struct strbuf *o)
{
	if (mt == NULL || (mt->dovecot_fd < 0 && mt->postfix_fd < 0))
		return;
#define F(name, v) ctl_add_fieldf(o, name, "%llu", (unsigned long long)(v))
	F("mail-refused", mt->refused);
	F("mail-refused-dovecot", mt->refused_by[MAILMSG_DOVECOT]);
	F("mail-refused-postfix", mt->refused_by[MAILMSG_POSTFIX]);
	F("mail-refused-unaudited", mt->unaudited);
	F("mail-sessions", mt->sessions);
#undef F
}

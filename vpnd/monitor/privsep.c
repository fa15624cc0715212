/* SPDX-License-Identifier: ISC */
/*
 * The network child's life (privsep.h). Below run.c (and handle_status.c,
 * which reads the counters); above dispatch.c, which answers what the
 * child says, and drop.c, actport.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "common/actmsg.h"
#include "monitor/actport.h"
#include "monitor/audit.h"
#include "monitor/childexe.h"
#include "monitor/childroot.h"
#include "gateway/ctl.h"
#include "base/log.h"
#include "monitor/dispatch.h"
#include "monitor/drop.h"
#include "monitor/mailtab.h"
#include "monitor/privsep.h"
#include "monitor/tcplisten.h"
#include "monitor/webport.h"
#include "common/childfd.h"
#include "common/webmsg.h"
#include "base/strbuf.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_MS      60000          /* a child that lived this long resets the backoff */
#define BATCH          DISPATCH_BATCH /* child messages per wake-up */

extern char **environ;

struct privsep {
	struct vpnd *d;
	int udp_fd, exe_fd, dir_fd;
	int web_fd;   /* [Web] Listen, or -1 */
	int stats_fd; /* [Metrics] Listen, or -1 */
	uid_t uid;
	gid_t gid;
	char user[CONF_CHILD_USER_MAX + 1]; /* as at start: a reload keeps it */
	pid_t pid;
	struct loop_source *sock, *timer;
	uint64_t backoff_ms, started_ms;
	uint64_t restarts;
	bool stopping;
	struct actmsg_init init;
	struct actstats base, sum; /* children gone; and with the running one's */
	struct dispatch dp;        /* the running child's state and counters */
};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int privsep_open(struct privsep **out, struct vpnd *d)
{
	struct privsep *ps = calloc(1, sizeof(*ps));
	char err[ERR_LEN];
	int ret;

	*out = NULL;
	if (ps == NULL)
		return -ENOMEM;
	*ps = (struct privsep){
		.d = d, .udp_fd = -1, .exe_fd = -1, .dir_fd = -1, .web_fd = -1, .stats_fd = -1};
	ps->backoff_ms = BACKOFF_MIN_MS;
	dispatch_init(&ps->dp, d);
	/* Bound here, while vpnd may still bind a port below 1024; the
	 * network child only ever gets the socket. */
	ps->udp_fd = actport_bind(d->conf.activation_port);
	if (ps->udp_fd < 0) {
		ret = ps->udp_fd;
		goto fail;
	}
	if (d->conf.web.enabled &&
	    (ps->web_fd = tcplisten_open(d->conf.web.listen_host, d->conf.web.listen_port,
					 "[Web] Listen", err)) < 0) {
		ret = ps->web_fd;
		log_error("%s", err);
		goto fail;
	}
	if (d->conf.metrics.enabled &&
	    (ps->stats_fd = tcplisten_open(d->conf.metrics.listen_host, d->conf.metrics.listen_port,
					   "[Metrics] Listen", err)) < 0) {
		ret = ps->stats_fd;
		log_error("%s", err);
		goto fail;
	}
	ps->init.rate_burst = 20;
	ps->init.rate_per_sec = 5;
	ps->init.global_burst = 2 * d->conf.activation_rate;
	ps->init.global_per_sec = d->conf.activation_rate;
	ret = drop_child_user(d->conf.child_user, &ps->uid, &ps->gid, err);
	if (ret < 0) {
		log_error("%s", err);
		goto fail;
	}
	snprintf(ps->user, sizeof(ps->user), "%s", d->conf.child_user);
	ps->exe_fd = childexe_open(err);
	if (ps->exe_fd < 0) {
		ret = ps->exe_fd;
		log_error("%s", err);
		goto fail;
	}
	ps->dir_fd = childroot_open(d->conf.state_dir);
	if (ps->dir_fd < 0) {
		ret = ps->dir_fd;
		log_error("cannot make the network child's empty root in %s: %s", d->conf.state_dir,
			  strerror(-ret));
		goto fail;
	}
	*out = ps;
	return 0;
fail:
	privsep_close(&ps);
	return ret;
}

static _Noreturn void exec_child(const struct privsep *ps, int sock, pid_t monitor)
{
	static char name[] = "vpnd-net";
	char pid[16], *argv[] = {name, pid, NULL};
	int fds[CHILDFD_END];
	sigset_t all;

	/* The monitor's signalfd blocked these; the child starts clean. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int i = 0; i < CHILDFD_END; i++)
		fds[i] = -1;
	fds[CHILDFD_MON] = sock;
	fds[CHILDFD_UDP] = ps->udp_fd;
	fds[CHILDFD_DIR] = ps->dir_fd;
	fds[CHILDFD_EXE] = ps->exe_fd;
	fds[CHILDFD_WEB] = ps->web_fd;
	fds[CHILDFD_STATS] = ps->stats_fd;
	fds[CHILDFD_MAIL] = mailtab_child_fd(ps->d->mailtab, CHILDFD_MAIL);
	fds[CHILDFD_SMTP] = mailtab_child_fd(ps->d->mailtab, CHILDFD_SMTP);
	/* Each to its number (common/childfd.h): above them all first, so no
	 * dup2 overwrites a source; a number whose listener is off is left
	 * closed. */
	for (int i = CHILDFD_MON; i < CHILDFD_END; i++)
		if (fds[i] >= 0 && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, CHILDFD_END)) < 0)
			_exit(127);
	for (int i = CHILDFD_MON; i < CHILDFD_END; i++)
		if (fds[i] >= 0 ? dup2(fds[i], i) < 0 : close(i) < 0 && errno != EBADF)
			_exit(127);
	fcntl(CHILDFD_EXE, F_SETFD, FD_CLOEXEC);
	syscall(SYS_close_range, (unsigned)CHILDFD_END, ~0U, 0U);
	if (drop_to_child(ps->uid, ps->gid) < 0)
		_exit(126);
	snprintf(pid, sizeof(pid), "%d", (int)monitor);
	syscall(SYS_execveat, CHILDFD_EXE, "", argv, environ, AT_EMPTY_PATH);
	_exit(127);
}

static int child_cb(int fd, uint32_t events, void *data);

static void schedule_restart(struct privsep *ps)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	loop_timer_set(ps->timer, (uint64_t)t.tv_sec * NS_PER_SEC + (uint64_t)t.tv_nsec +
					  ps->backoff_ms * 1000000ULL);
	ps->backoff_ms = ps->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ps->backoff_ms * 2;
}

/* The TLS files, read now (the child cannot), and the trusted proxies. */
static int send_web_conf(const struct privsep *ps, int fd)
{
	uint8_t *buf = malloc(WEBMSG_CONF_MAX);
	char err[ERR_LEN];
	size_t len = 0;
	int ret = -ENOMEM;

	if (buf == NULL)
		return ret;
	ret = webport_conf(&ps->d->conf.web, buf, &len, err);
	if (ret < 0)
		log_error("the web page: %s", err);
	else if (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len)
		ret = -EIO;
	sodium_memzero(buf, WEBMSG_CONF_MAX);
	free(buf);
	return ret;
}

int privsep_web_reload(struct privsep *ps)
{
	if (ps->web_fd < 0 || ps->sock == NULL || ps->pid <= 0)
		return 0;
	return send_web_conf(ps, loop_source_fd(ps->sock));
}

static int spawn(struct privsep *ps)
{
	uint8_t buf[ACTMSG_MAX];
	size_t len;
	int sv[2], ret;
	pid_t pid, monitor = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Room for what is sent before the child reads: INIT, WEB_CONF and
	 * the mail table, up to 120 KiB each (the kernel caps it). */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){512 * 1024}, sizeof(int));
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0)
		exec_child(ps, sv[1], monitor);
	close(sv[1]);
	ps->pid = pid;
	dispatch_started(&ps->dp);
	ps->started_ms = now_ms();
	/* The keys as they are now: a rotation restarts the child. */
	actport_child_keys(ps->d->actport, &ps->init);
	ret = actmsg_encode_init(buf, &len, &ps->init);
	/* Kept nowhere but in actport: a retired key leaves no copy here. */
	sodium_memzero(ps->init.act_sk, KEY_LEN);
	sodium_memzero(ps->init.prev_sk, KEY_LEN);
	if (ret < 0 || send(sv[0], buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len) {
		sodium_memzero(buf, sizeof(buf));
		close(sv[0]);
		return -EIO; /* the child exits on its own without it */
	}
	sodium_memzero(buf, sizeof(buf));
	if ((ps->web_fd >= 0 && send_web_conf(ps, sv[0]) < 0) ||
	    mailtab_attach(ps->d->mailtab, sv[0]) < 0) {
		close(sv[0]);
		return -EIO;
	}
	ps->sock = loop_add_fd(ps->d->loop, sv[0], EPOLLIN, child_cb, ps);
	if (ps->sock == NULL) {
		close(sv[0]);
		return -ENOMEM;
	}
	return 0;
}

/* The child is gone or must go: reap it, keep its counters, restart. */
static void child_lost(struct privsep *ps, const char *why)
{
	char pid[16], status[48];
	uint64_t sock;
	int st = 0;

	if (ps->sock != NULL)
		loop_remove(ps->d->loop, &ps->sock);
	mailtab_attach(ps->d->mailtab, -1);
	if (ps->pid > 0) {
		drop_kill_child(ps->pid);
		while (waitpid(ps->pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(st))
			snprintf(status, sizeof(status), "signal-%d", WTERMSIG(st));
		else
			snprintf(status, sizeof(status), "exit-%d", WEXITSTATUS(st));
		snprintf(pid, sizeof(pid), "%d", (int)ps->pid);
		if (ps->stopping)
			goto out;
		log_warn("the network child %s ended (%s, %s); restarting it", pid, why, status);
		audit_event("netchild-restart", "pid", pid, "reason", why, "status", status, NULL);
	}
out:
	/* Its counters stay; the socket's drop count is a running total of
	 * the socket's, which outlives children. */
	sock = ps->dp.cur.drop_socket > ps->base.drop_socket ? ps->dp.cur.drop_socket
							     : ps->base.drop_socket;
	actstats_add(&ps->base, &ps->dp.cur);
	ps->base.drop_socket = sock;
	memset(&ps->dp.cur, 0, sizeof(ps->dp.cur));
	ps->pid = 0;
	dispatch_started(&ps->dp);
	if (ps->stopping)
		return;
	if (now_ms() - ps->started_ms >= STABLE_MS)
		ps->backoff_ms = BACKOFF_MIN_MS;
	ps->restarts++;
	schedule_restart(ps);
}

void privsep_restart(struct privsep *ps, const char *why)
{
	if (ps->pid <= 0)
		return;
	/* Not a failure: no backoff. */
	ps->backoff_ms = BACKOFF_MIN_MS;
	child_lost(ps, why);
	ps->backoff_ms = BACKOFF_MIN_MS;
}

static int restart_cb(int fd, uint32_t events, void *data)
{
	struct privsep *ps = data;
	uint64_t ticks;
	int ret;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return 0;
	if (ps->pid != 0)
		return 0;
	ret = spawn(ps);
	if (ret < 0) {
		log_error("cannot start the network child: %s", strerror(-ret));
		if (ps->pid > 0)
			child_lost(ps, "no-start");
		else
			schedule_restart(ps);
	}
	return 0;
}

static void child_ready(const struct privsep *ps)
{
	if (ps->restarts == 0)
		log_info("network child %d serves UDP port %u as user %s (uid %d), sandboxed",
			 (int)ps->pid, ps->d->conf.activation_port, ps->user, (int)ps->uid);
	else
		log_info("network child %d is back", (int)ps->pid);
}

static int child_cb(int fd, uint32_t events, void *data)
{
	struct privsep *ps = data;
	uint8_t buf[WEBMSG_MAX];

	for (int i = 0; i < BATCH; i++) {
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		enum dispatch_state was = ps->dp.state;
		const char *bad = NULL;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			dispatch_flush(&ps->dp, fd);
			child_lost(ps, "closed");
			return 0;
		}
		if ((m.msg_flags & MSG_TRUNC) != 0) {
			bad = "oversized";
			dispatch_violation(&ps->dp, bad);
		} else if (dispatch_message(&ps->dp, fd, buf, (size_t)n, &bad) != -EBADMSG) {
			bad = NULL;
		}
		sodium_memzero(buf, (size_t)n);
		if (bad != NULL) {
			dispatch_flush(&ps->dp, fd);
			child_lost(ps, bad);
			return 0;
		}
		if (was != DISPATCH_SERVING && ps->dp.state == DISPATCH_SERVING)
			child_ready(ps);
	}
	/* One fdatasync for every activation of this turn. */
	dispatch_flush(&ps->dp, fd);
	return 0;
}

int privsep_start(struct privsep *ps)
{
	char err[ERR_LEN];
	int ret;

	ps->timer = loop_add_timer(ps->d->loop, CLOCK_MONOTONIC, restart_cb, ps);
	if (ps->timer == NULL)
		return -ENOMEM;
	ret = drop_monitor(err);
	if (ret < 0) {
		log_error("%s", err);
		return ret;
	}
	ret = spawn(ps);
	if (ret < 0)
		log_error("cannot start the network child: %s", strerror(-ret));
	return ret;
}

void privsep_close(struct privsep **p)
{
	struct privsep *ps = *p;

	if (ps == NULL)
		return;
	ps->stopping = true;
	if (ps->pid > 0)
		child_lost(ps, "stop");
	if (ps->timer != NULL && ps->d->loop != NULL)
		loop_remove(ps->d->loop, &ps->timer);
	if (ps->udp_fd >= 0)
		close(ps->udp_fd);
	if (ps->exe_fd >= 0)
		close(ps->exe_fd);
	if (ps->dir_fd >= 0)
		close(ps->dir_fd);
	if (ps->web_fd >= 0)
		close(ps->web_fd);
	if (ps->stats_fd >= 0)
		close(ps->stats_fd);
	sodium_memzero(ps, sizeof(*ps));
	free(ps);
	*p = NULL;
}

const struct actstats *privsep_stats(struct privsep *ps)
{
	/* Whatever the child has said already counts. */
	if (ps->sock != NULL && ps->pid > 0)
		child_cb(loop_source_fd(ps->sock), EPOLLIN, ps);
	ps->sum = ps->base;
	actstats_add(&ps->sum, &ps->dp.cur);
	ps->sum.drop_socket = ps->dp.cur.drop_socket > ps->base.drop_socket ? ps->dp.cur.drop_socket
									    : ps->base.drop_socket;
	return &ps->sum;
}

void privsep_act_fields(struct privsep *ps, struct strbuf *o)
{
	const struct actstats *st = privsep_stats(ps);
	uint64_t refused = 0;

	for (int i = 1; i <= PROTO_ERR_WIRE_MAX; i++)
		refused += st->replies[i];
#define F(name, v) ctl_add_fieldf(o, name, "%llu", (unsigned long long)(v))
	F("act-received", st->received);
	F("act-drop-socket", st->drop_socket);
	F("act-drop-malformed", st->drop_malformed);
	F("act-drop-mac0", st->drop_mac0);
	F("act-drop-mac1", st->drop_mac1);
	F("act-drop-rate", st->drop_rate);
	F("act-drop-global", st->drop_global);
	F("act-drop-challenge", st->drop_challenge);
	F("act-drop-replay", st->drop_replay);
	F("act-drop-undecryptable", st->drop_decrypt);
	F("act-drop-busy", st->drop_busy);
	F("act-hellos", st->hellos);
	F("act-other-version", st->other_version);
	F("act-retired-key", st->retired_key);
	F("act-retransmits", st->retransmits);
	F("act-requests", st->requests);
	F("act-ok", st->replies[PROTO_OK]);
	F("act-refused", refused);
#undef F
}

void privsep_status_fields(const struct privsep *ps, struct strbuf *o)
{
	ctl_add_fieldf(o, "netchild-pid", "%d", (int)ps->pid);
	ctl_add_fieldf(o, "netchild-user", "%s", ps->user[0] != '\0' ? ps->user : "-");
	ctl_add_fieldf(o, "netchild-restarts", "%llu", (unsigned long long)ps->restarts);
	dispatch_status_fields(&ps->dp, o);
}

void privsep_metrics_push(struct privsep *ps, const uint8_t *msg, size_t len)
{
	/* Only to a child that serves: before READY it reads its start
	 * messages in order. Never waits: a full socket skips a second. */
	if (ps == NULL || ps->stats_fd < 0 || ps->sock == NULL || ps->pid <= 0 ||
	    ps->dp.state != DISPATCH_SERVING)
		return;
	send(loop_source_fd(ps->sock), msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void privsep_counts(const struct privsep *ps, uint64_t *restarts, uint64_t *violations)
{
	*restarts = ps->restarts;
	*violations = ps->dp.violations;
}

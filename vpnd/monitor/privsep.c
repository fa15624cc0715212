/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "monitor/activation.h"
#include "common/actmsg.h"
#include "monitor/audit.h"
#include "gateway/ctl.h"
#include "base/log.h"
#include "monitor/privsep.h"
#include "common/sandbox.h"
#include "base/strbuf.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
#define STABLE_MS      60000 /* a child that lived this long resets the backoff */
#define BATCH          16    /* child messages per wake-up */
#define OPS_BURST      800   /* requests the monitor takes from the child ... */
#define OPS_PER_SEC    400   /* ... whatever the child does: above its own global limit */

extern char **environ;

static struct {
	struct vpnd *d;
	int udp_fd, exe_fd, dir_fd;
	uid_t uid;
	gid_t gid;
	const char *user;
	pid_t pid;
	struct loop_source *sock, *timer;
	uint64_t backoff_ms, started_ms;
	uint64_t restarts, violations, ops_limited;
	uint64_t ops_milli, ops_last_ms;
	bool ready, stopping;
	struct actmsg_init init;
	struct actserver_stats base, cur, sum;
} P = {.udp_fd = -1, .exe_fd = -1, .dir_fd = -1};

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* An empty directory owned by root, mode 0555: the child's whole world. */
static int empty_dir(const char *state_dir)
{
	char path[PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *dir;
	int fd;

	snprintf(path, sizeof(path), "%s/empty", state_dir);
	if (mkdir(path, 0555) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* The umask may have taken the child's search permission away. */
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    ((st.st_mode & 07777) != 0555 && fchmod(fd, 0555) < 0)) {
		log_error("%s must be an empty directory of vpnd's, mode 0555", path);
		close(fd);
		return -EPERM;
	}
	dir = fdopendir(dup(fd));
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			log_error("%s is the network child's root and must be empty; it holds '%s'",
				  path, e->d_name);
			closedir(dir);
			close(fd);
			return -ENOTEMPTY;
		}
	}
	if (dir != NULL)
		closedir(dir);
	return fd;
}

int privsep_open(struct vpnd *d, int udp_fd, const uint8_t act_sk[KEY_LEN])
{
	P.d = d;
	P.udp_fd = udp_fd;
	P.backoff_ms = BACKOFF_MIN_MS;
	P.ops_milli = OPS_BURST * 1000ULL;
	memcpy(P.init.act_sk, act_sk, KEY_LEN);
	P.init.rate_burst = 20;
	P.init.rate_per_sec = 5;
	P.init.global_burst = 400;
	P.init.global_per_sec = 200;
	sandbox_child_ids(&P.uid, &P.gid, &P.user);
	/* The child is this very binary, even if a package upgrade replaces
	 * the file while vpnd runs. */
	P.exe_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (P.exe_fd < 0) {
		log_error("cannot open vpnd's own executable: %s", strerror(errno));
		return -errno;
	}
	P.dir_fd = empty_dir(d->conf.state_dir);
	if (P.dir_fd < 0) {
		log_error("cannot make the network child's empty root in %s: %s", d->conf.state_dir,
			  strerror(-P.dir_fd));
		return P.dir_fd;
	}
	return 0;
}

static _Noreturn void exec_child(int sock, pid_t monitor)
{
	static char name[] = "vpnd", cmd[] = "net-child";
	char pid[16], *argv[] = {name, cmd, pid, NULL};
	int fds[4] = {sock, P.udp_fd, P.dir_fd, P.exe_fd};
	sigset_t all;

	/* The monitor's signalfd blocked these; the child starts clean. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* Above the targets first, so no dup2 overwrites a source. */
	for (int i = 0; i < 4; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 16)) < 0)
			_exit(127);
	for (int i = 0; i < 4; i++)
		if (dup2(fds[i], 3 + i) < 0)
			_exit(127);
	fcntl(6, F_SETFD, FD_CLOEXEC);
	syscall(SYS_close_range, 7U, ~0U, 0U);
	if (sandbox_child_ids_enter(P.uid, P.gid) < 0)
		_exit(126);
	snprintf(pid, sizeof(pid), "%d", (int)monitor);
	syscall(SYS_execveat, 6, "", argv, environ, AT_EMPTY_PATH);
	_exit(127);
}

static int child_cb(int fd, uint32_t events, void *data);

static void schedule_restart(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	loop_timer_set(P.timer, (uint64_t)t.tv_sec * NS_PER_SEC + (uint64_t)t.tv_nsec +
					P.backoff_ms * 1000000ULL);
	P.backoff_ms = P.backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : P.backoff_ms * 2;
}

static int spawn(void)
{
	uint8_t buf[ACTMSG_MAX];
	size_t len;
	int sv[2];
	pid_t pid, monitor = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (pid == 0)
		exec_child(sv[1], monitor);
	close(sv[1]);
	P.pid = pid;
	P.ready = false;
	P.started_ms = now_ms();
	if (actmsg_encode_init(buf, &len, &P.init) < 0 ||
	    send(sv[0], buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len) {
		sodium_memzero(buf, sizeof(buf));
		close(sv[0]);
		return -EIO; /* the child exits on its own without it */
	}
	sodium_memzero(buf, sizeof(buf));
	P.sock = loop_add_fd(P.d->loop, sv[0], EPOLLIN, child_cb, NULL);
	if (P.sock == NULL) {
		close(sv[0]);
		return -ENOMEM;
	}
	return 0;
}

static int kill_child(void *arg)
{
	return kill(*(pid_t *)arg, SIGKILL) < 0 ? -errno : 0;
}

/* The child is gone or must go: reap it, keep its counters, restart. */
static void child_lost(const char *why)
{
	char pid[16], status[48];
	uint64_t sock;
	int st = 0;

	if (P.sock != NULL)
		loop_remove(P.d->loop, &P.sock);
	if (P.pid > 0) {
		sandbox_as_child(P.uid, kill_child, &P.pid);
		while (waitpid(P.pid, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(st))
			snprintf(status, sizeof(status), "signal-%d", WTERMSIG(st));
		else
			snprintf(status, sizeof(status), "exit-%d", WEXITSTATUS(st));
		snprintf(pid, sizeof(pid), "%d", (int)P.pid);
		if (P.stopping)
			goto out;
		log_warn("the network child %s ended (%s, %s); restarting it", pid, why, status);
		audit_event("netchild-restart", "pid", pid, "reason", why, "status", status, NULL);
	}
out:
	/* Its counters stay; the socket's drop count is a running total of
	 * the socket's, which outlives children. */
	sock = P.cur.drop_socket > P.base.drop_socket ? P.cur.drop_socket : P.base.drop_socket;
	for (size_t i = 0; i < sizeof(P.base) / sizeof(uint64_t); i++)
		((uint64_t *)&P.base)[i] += ((uint64_t *)&P.cur)[i];
	P.base.drop_socket = sock;
	memset(&P.cur, 0, sizeof(P.cur));
	P.pid = 0;
	P.ready = false;
	if (P.stopping)
		return;
	if (now_ms() - P.started_ms >= STABLE_MS)
		P.backoff_ms = BACKOFF_MIN_MS;
	P.restarts++;
	schedule_restart();
}

static int restart_cb(int fd, uint32_t events, void *data)
{
	uint64_t ticks;
	int ret;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return 0;
	if (P.pid != 0)
		return 0;
	ret = spawn();
	if (ret < 0) {
		log_error("cannot start the network child: %s", strerror(-ret));
		if (P.pid > 0)
			child_lost("no-start");
		else
			schedule_restart();
	}
	return 0;
}

static bool ops_allow(void)
{
	uint64_t now = now_ms(), cap = OPS_BURST * 1000ULL;

	if (now > P.ops_last_ms) {
		uint64_t add = (now - P.ops_last_ms) * OPS_PER_SEC;

		P.ops_milli = add >= cap - P.ops_milli ? cap : P.ops_milli + add;
		P.ops_last_ms = now;
	}
	if (P.ops_milli < 1000)
		return false;
	P.ops_milli -= 1000;
	return true;
}

static int answer(int fd, const uint8_t *msg, size_t n)
{
	struct actmsg_op *op = calloc(1, sizeof(*op));
	struct actmsg_result *res = calloc(1, sizeof(*res));
	uint8_t out[ACTMSG_MAX];
	size_t len = 0;
	int ret = -EBADMSG;

	if (op == NULL || res == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if (actmsg_decode_op(op, msg, n) < 0)
		goto fail;
	res->seq = op->seq;
	if (!ops_allow()) {
		P.ops_limited++;
		res->rep.status = PROTO_ERR_RATE_LIMITED;
	} else if (activation_op(op, &res->rep) < 0) {
		memset(&res->rep, 0, sizeof(res->rep));
		res->rep.status = PROTO_ERR_INTERNAL;
	}
	ret = actmsg_encode_result(out, &len, res);
	if (ret == 0)
		send(fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	sodium_memzero(out, sizeof(out));
fail:
	if (op != NULL)
		sodium_memzero(op, sizeof(*op));
	if (res != NULL)
		sodium_memzero(res, sizeof(*res));
	free(op);
	free(res);
	return ret;
}

static void child_ready(void)
{
	P.ready = true;
	if (P.restarts == 0)
		log_info("network child %d serves UDP port %u as user %s (uid %d), sandboxed",
			 (int)P.pid, P.d->conf.activation_port, P.user, (int)P.uid);
	else
		log_info("network child %d is back", (int)P.pid);
}

static int child_cb(int fd, uint32_t events, void *data)
{
	uint8_t buf[ACTMSG_MAX];

	for (int i = 0; i < BATCH; i++) {
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
		const char *bad = NULL;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			child_lost("closed");
			return 0;
		}
		/* The allow-list: what the child may say, and when. */
		if ((m.msg_flags & MSG_TRUNC) != 0)
			bad = "oversized";
		else if (actmsg_type(buf, (size_t)n) == ACTMSG_READY && n == 1 && !P.ready)
			child_ready();
		else if (actmsg_type(buf, (size_t)n) == ACTMSG_STATS)
			bad = actmsg_decode_stats(&P.cur, buf, (size_t)n) < 0 ? "bad-stats" : NULL;
		else if (actmsg_type(buf, (size_t)n) == ACTMSG_OP && P.ready)
			bad = answer(fd, buf, (size_t)n) == -EBADMSG ? "bad-request" : NULL;
		else
			bad = "unexpected";
		sodium_memzero(buf, (size_t)n);
		if (bad != NULL) {
			P.violations++;
			audit_event("netchild-violation", "reason", bad, NULL);
			child_lost(bad);
			return 0;
		}
	}
	return 0;
}

int privsep_start(struct vpnd *d)
{
	int ret;

	P.timer = loop_add_timer(d->loop, CLOCK_MONOTONIC, restart_cb, NULL);
	if (P.timer == NULL)
		return -ENOMEM;
	ret = sandbox_monitor_drop(P.uid, P.gid);
	if (ret < 0) {
		log_error("cannot drop privileges: %s", strerror(-ret));
		return ret;
	}
	ret = spawn();
	if (ret < 0)
		log_error("cannot start the network child: %s", strerror(-ret));
	return ret;
}

void privsep_close(struct vpnd *d)
{
	P.stopping = true;
	if (P.pid > 0 && P.d != NULL)
		child_lost("stop");
	if (P.timer != NULL && d->loop != NULL)
		loop_remove(d->loop, &P.timer);
	if (P.udp_fd >= 0)
		close(P.udp_fd);
	if (P.exe_fd >= 0)
		close(P.exe_fd);
	if (P.dir_fd >= 0)
		close(P.dir_fd);
	P.udp_fd = P.exe_fd = P.dir_fd = -1;
	sodium_memzero(&P.init, sizeof(P.init));
}

const struct actserver_stats *privsep_stats(void)
{
	/* Whatever the child has said already counts. */
	if (P.sock != NULL && P.pid > 0)
		child_cb(loop_source_fd(P.sock), EPOLLIN, NULL);
	for (size_t i = 0; i < sizeof(P.sum) / sizeof(uint64_t); i++)
		((uint64_t *)&P.sum)[i] = ((uint64_t *)&P.base)[i] + ((uint64_t *)&P.cur)[i];
	P.sum.drop_socket =
		P.cur.drop_socket > P.base.drop_socket ? P.cur.drop_socket : P.base.drop_socket;
	return &P.sum;
}

void privsep_status_fields(struct strbuf *o)
{
	ctl_add_fieldf(o, "netchild-pid", "%d", (int)P.pid);
	ctl_add_fieldf(o, "netchild-user", "%s", P.user != NULL ? P.user : "-");
	ctl_add_fieldf(o, "netchild-restarts", "%llu", (unsigned long long)P.restarts);
	ctl_add_fieldf(o, "netchild-violations", "%llu", (unsigned long long)P.violations);
	ctl_add_fieldf(o, "act-monitor-limited", "%llu", (unsigned long long)P.ops_limited);
}

/* SPDX-License-Identifier: ISC */
/* The network child's sandbox (sandbox.h): chroot, limits, seccomp. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/caps.h"
#include "netchild/sandbox.h"
#include "netchild/webserver.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "no seccomp arch for this machine: add it to vpnd/netchild/sandbox.c"
#endif

/* The low 32 bits of argument n: file descriptors, pids and protection
 * flags are ints, and the kernel reads no more of the register. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG(n) (offsetof(struct seccomp_data, args[n]))
#else
#define ARG(n) (offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v)    BPF_STMT(BPF_RET | BPF_K, (v))
#define KILL      RET(SECCOMP_RET_KILL_PROCESS)
#define ALLOW_RET RET(SECCOMP_RET_ALLOW)
#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), ALLOW_RET
#define REFUSE(nr)                                                                                 \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
		RET(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
/* Memory calls, but never executable memory. */
#define NOEXEC(nr)                                                                                 \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4), LOAD(ARG(2)),                             \
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1), KILL, ALLOW_RET
/* A call whose first argument must be one descriptor. */
#define ON_FD(nr, fd)                                                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(fd), 1, 0), KILL, ALLOW_RET
/* A call whose first argument must be one of two descriptors: the
 * datagram socket and the monitor's socket. */
#define ON_SOCKETS(nr, a, b)                                                                       \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 5), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(a), 2, 0),                          \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(b), 1, 0), KILL, ALLOW_RET
/* A socket call on the two sockets or, with the web page, on a connection:
 * a descriptor above the listening one (web is ~0 without it). */
#define ON_SOCKETS_WEB(nr, a, b, web)                                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 6), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(a), 3, 0),                          \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(b), 2, 0),                          \
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)(web), 1, 0), KILL, ALLOW_RET
/* A call on the listening socket or a connection: fd >= web. */
#define ON_WEB(nr, web)                                                                            \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(web), 1, 0), KILL, ALLOW_RET
/* A call on fd >= web whose second argument lies in [lo, hi]: fcntl's
 * command. */
#define ON_WEB_ARG1(nr, web, lo, hi)                                                               \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 7), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(web), 0, 4), LOAD(ARG(1)),          \
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(lo), 0, 2),                         \
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)(hi), 1, 0), ALLOW_RET, KILL
/* setsockopt on fd >= web at level IPPROTO_TCP, option TCP_NODELAY or
 * TCP_CORK, and nothing else. */
#define ON_WEB_TCPOPT(nr, web)                                                                     \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 9), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(web), 0, 6), LOAD(ARG(1)),          \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 4), LOAD(ARG(2)),              \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCP_NODELAY, 1, 0),                            \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TCP_CORK, 0, 1), ALLOW_RET, KILL
/* A signal whose target (the first argument; with tgkill, the first two:
 * group and thread) is this process itself. */
#define TO_SELF(nr, pid)                                                                           \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(pid), 1, 0), KILL, ALLOW_RET
#define TO_SELF2(nr, pid)                                                                          \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 6), LOAD(ARG(0)),                             \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(pid), 0, 3), LOAD(ARG(1)),          \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(pid), 0, 1), ALLOW_RET, KILL

/* The filter sees the six argument registers and nothing they point to:
 * it can hold sends to two descriptors, and signals to this process, but
 * not say where a datagram goes (docs/privsep.md). Its pid and the
 * descriptors are written in when it is built: one child, one filter. */
static int seccomp_install(pid_t self, int mon_fd, int udp_fd, int tcp_fd)
{
	/* Without a TCP listener, no descriptor is at or above this one. */
	uint32_t web = tcp_fd >= 0 ? (uint32_t)tcp_fd : UINT32_MAX;
	struct sock_filter f[] = {
		LOAD(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		KILL,
		LOAD(offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		/* The x32 ABI's numbers alias the 64-bit ones: refuse them all. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		KILL,
#endif
		/* The loop: poll, the datagram socket, the monitor's socket;
		 * a send or a receive on any other descriptor kills it. */
		ALLOW(SYS_ppoll),
#ifdef SYS_poll
		ALLOW(SYS_poll),
#endif
		ON_SOCKETS_WEB(SYS_recvmsg, udp_fd, mon_fd, web),
		ON_SOCKETS_WEB(SYS_recvfrom, udp_fd, mon_fd, web),
		ON_SOCKETS_WEB(SYS_sendto, udp_fd, mon_fd, web),
		ON_SOCKETS_WEB(SYS_sendmsg, udp_fd, mon_fd, web),
		/* The web page (libmicrohttpd, GnuTLS): accept on the
		 * listening socket; at each (re)start it reads the socket's
		 * family and address and makes it non-blocking; per
		 * connection TCP_CORK and TCP_NODELAY, and a shutdown. */
		ON_WEB(SYS_accept4, web), /* on a connection: EINVAL */
		ON_WEB(SYS_getsockopt, web),
		ON_WEB(SYS_getsockname, web),
		ON_WEB_ARG1(SYS_fcntl, web, F_GETFD, F_SETFL),
		ON_WEB_TCPOPT(SYS_setsockopt, web),
		ON_WEB(SYS_shutdown, web),
#ifdef VPND_SANITIZED
		/* A sanitizer's report may go elsewhere (log_path). */
		ALLOW(SYS_write),
		ALLOW(SYS_writev),
		ALLOW(SYS_read),
#else
		/* Its log: stderr and nothing else. */
		ON_FD(SYS_write, 2),
		ON_FD(SYS_writev, 2),
#endif
		ALLOW(SYS_close),
		/* Clocks (the vDSO's fallbacks), randomness, memory. */
		ALLOW(SYS_clock_gettime),
		ALLOW(SYS_gettimeofday),
#ifdef SYS_time
		ALLOW(SYS_time),
#endif
		ALLOW(SYS_getrandom),
		ALLOW(SYS_brk),
		ALLOW(SYS_munmap),
		ALLOW(SYS_mremap),
		ALLOW(SYS_madvise),
		NOEXEC(SYS_mmap),
		NOEXEC(SYS_mprotect),
		ALLOW(SYS_futex),
		/* Leaving, and abort(): it signals itself with tgkill, and
		 * only itself. */
		ALLOW(SYS_exit),
		ALLOW(SYS_exit_group),
		ALLOW(SYS_rt_sigreturn),
		ALLOW(SYS_rt_sigprocmask),
		ALLOW(SYS_restart_syscall),
		ALLOW(SYS_getpid),
		ALLOW(SYS_gettid),
		ALLOW(SYS_getppid),
		TO_SELF2(SYS_tgkill, self),
#ifdef VPND_SANITIZED
		/* ASan and UBSan at a report: an alternate signal stack,
		 * limits, a signal to itself and fstat of a descriptor are
		 * harmless; the files they would open or stat by path
		 * (symbols, /proc/self/maps) are refused, not fatal. */
		TO_SELF(SYS_kill, self),
		TO_SELF(SYS_tkill, self),
		ALLOW(SYS_sigaltstack),
		ALLOW(SYS_sched_yield),
		ALLOW(SYS_sched_getaffinity),
		ALLOW(SYS_getrlimit),
		ALLOW(SYS_prlimit64),
		ALLOW(SYS_rt_sigaction),
		ALLOW(SYS_nanosleep),
		ALLOW(SYS_fstat),
		REFUSE(SYS_newfstatat),
		REFUSE(SYS_statx),
		REFUSE(SYS_openat),
#ifdef SYS_open
		REFUSE(SYS_open),
		REFUSE(SYS_stat),
		REFUSE(SYS_lstat),
		REFUSE(SYS_readlink),
#endif
		REFUSE(SYS_readlinkat),
		REFUSE(SYS_prctl),
		REFUSE(SYS_clone),
#endif
		/* Everything else, every call that names a path (open,
		 * newfstatat, ...) among them. stdio never stats stderr: it
		 * is unbuffered. */
		KILL,
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}

int sandbox_enter(int dir_fd, int mon_fd, int udp_fd, int tcp_fd, int max_fd, bool *chrooted)
{
	struct rlimit files, zero = {0, 0};

	if (max_fd < mon_fd)
		max_fd = mon_fd;
	if (max_fd < udp_fd)
		max_fd = udp_fd;
	files.rlim_cur = files.rlim_max = (rlim_t)max_fd + 1;

	*chrooted = false;
	/* A user namespace of its own gives the child CAP_SYS_CHROOT there,
	 * and only there: the chroot needs no privilege of the monitor's. */
	if (unshare(CLONE_NEWUSER) == 0) {
		if (fchdir(dir_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			return -errno;
		*chrooted = true;
	}
	close(dir_fd);
	/* A connection's descriptor must be at or above the first listening
	 * socket's, where the filter lets it send: every free number below
	 * is taken by a copy of that socket, on which no call but close
	 * passes. */
	for (int fd = 0; fd < tcp_fd; fd++)
		if (fcntl(fd, F_GETFD) < 0 && dup2(tcp_fd, fd) < 0)
			return -errno;
	/* No RLIMIT_FSIZE: stderr, where it logs, may be a file; the
	 * seccomp list keeps it from opening any other. */
	if (setrlimit(RLIMIT_NOFILE, &files) < 0 || setrlimit(RLIMIT_NPROC, &zero) < 0 ||
	    setrlimit(RLIMIT_CORE, &zero) < 0)
		return -errno;
	if (caps_bound(0) < 0 && *chrooted)
		return -EPERM;
	if (caps_set(0, 0) < 0)
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* The death signal last: changes of credentials clear it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	return seccomp_install(getpid(), mon_fd, udp_fd, tcp_fd);
}

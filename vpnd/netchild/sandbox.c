/* SPDX-License-Identifier: ISC */
/* The network child's sandbox (sandbox.h): chroot, limits, seccomp. */
#include <errno.h>
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

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "no seccomp arch for this machine: add it to vpnd/netchild/sandbox.c"
#endif

#define ALLOW(nr)                                                                                  \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define REFUSE(nr)                                                                                 \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
/* Memory calls, but never executable memory. */
#define NOEXEC(nr)                                                                                 \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4),                                           \
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),        \
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),                             \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),                               \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int seccomp_install(void)
{
	static struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		/* The x32 ABI's numbers alias the 64-bit ones: refuse them all. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		/* The loop: poll, the datagram socket, the monitor's socket. */
		ALLOW(SYS_ppoll),
#ifdef SYS_poll
		ALLOW(SYS_poll),
#endif
		ALLOW(SYS_recvmsg),
		ALLOW(SYS_recvfrom),
		ALLOW(SYS_sendto),
		ALLOW(SYS_sendmsg),
		ALLOW(SYS_read),
		ALLOW(SYS_write),
		ALLOW(SYS_writev),
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
		/* Leaving, and abort(): it signals itself. */
		ALLOW(SYS_exit),
		ALLOW(SYS_exit_group),
		ALLOW(SYS_rt_sigreturn),
		ALLOW(SYS_rt_sigprocmask),
		ALLOW(SYS_restart_syscall),
		ALLOW(SYS_getpid),
		ALLOW(SYS_gettid),
		ALLOW(SYS_getppid),
		ALLOW(SYS_tgkill),
		/* stdio's first look at stderr. */
		ALLOW(SYS_fstat),
		ALLOW(SYS_newfstatat),
#ifdef VPND_SANITIZED
		/* ASan and UBSan at a report: an alternate signal stack and
		 * limits are harmless; the files they would open (symbols,
		 * /proc/self/maps) are refused, not fatal. */
		ALLOW(SYS_sigaltstack),
		ALLOW(SYS_sched_yield),
		ALLOW(SYS_sched_getaffinity),
		ALLOW(SYS_getrlimit),
		ALLOW(SYS_prlimit64),
		ALLOW(SYS_rt_sigaction),
		ALLOW(SYS_nanosleep),
		REFUSE(SYS_openat),
#ifdef SYS_open
		REFUSE(SYS_open),
		REFUSE(SYS_readlink),
#endif
		REFUSE(SYS_readlinkat),
		REFUSE(SYS_prctl),
		REFUSE(SYS_clone),
#endif
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}

int sandbox_enter(int dir_fd, int max_fd, bool *chrooted)
{
	struct rlimit files = {(rlim_t)max_fd + 1, (rlim_t)max_fd + 1}, zero = {0, 0};

	*chrooted = false;
	/* A user namespace of its own gives the child CAP_SYS_CHROOT there,
	 * and only there: the chroot needs no privilege of the monitor's. */
	if (unshare(CLONE_NEWUSER) == 0) {
		if (fchdir(dir_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			return -errno;
		*chrooted = true;
	}
	close(dir_fd);
	/* No RLIMIT_FSIZE: stderr, where it logs, may be a file; the
	 * seccomp list keeps it from opening any other. */
	if (setrlimit(RLIMIT_NOFILE, &files) < 0 || setrlimit(RLIMIT_NPROC, &zero) < 0 ||
	    setrlimit(RLIMIT_CORE, &zero) < 0)
		return -errno;
	if (caps_bound(0) < 0 && *chrooted)
		return -EPERM;
	if (caps_set(0) < 0)
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* The death signal last: changes of credentials clear it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	return seccomp_install();
}

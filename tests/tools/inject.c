/* SPDX-License-Identifier: ISC */
/*
 * kg-inject PID CALL [ARG]...: makes the running process PID (the network
 * child, in tests/netns/privsep.sh) execute one system call of our choice
 * under its own seccomp filter, as code run by an attacker inside it would,
 * and prints what came of it: "signal N" when the call killed it, else
 * "returned R". An ARG is a number, "str:TEXT" (a pointer to TEXT copied
 * into the process's stack), or "buf" (a pointer to 256 scratch bytes
 * there). Needs CAP_SYS_PTRACE (root); x86-64 only (exit 77 elsewhere).
 *
 * How: PTRACE_SEIZE and PTRACE_INTERRUPT stop the process, normally in its
 * poll(), right after a syscall instruction; the registers are set for the
 * call with the instruction pointer back on that instruction, one step
 * runs it, and the old registers go back so the interrupted poll resumes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <sys/user.h>

#define SCRATCH_BELOW 2048 /* below the stack pointer, past the red zone */
#define BUF_LEN       256

static const struct {
	const char *name;
	long nr;
} calls[] = {
	{"kill", SYS_kill},     {"tkill", SYS_tkill},   {"tgkill", SYS_tgkill},
	{"sendto", SYS_sendto}, {"getpid", SYS_getpid}, {"newfstatat", SYS_newfstatat},
	{"openat", SYS_openat}, {"write", SYS_write},   {"recvfrom", SYS_recvfrom},
};

static void die(const char *what)
{
	fprintf(stderr, "kg-inject: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int wait_stop(pid_t pid, int *status)
{
	while (waitpid(pid, status, __WALL) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFSTOPPED(*status);
}

/* Copies len bytes into the tracee at addr, a word at a time. */
static void poke(pid_t pid, unsigned long addr, const void *src, size_t len)
{
	for (size_t off = 0; off < len; off += sizeof(long)) {
		long word;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, addr + off, NULL);
		if (errno != 0)
			die("peek at the scratch area");
		memcpy(&word, (const char *)src + off,
		       len - off < sizeof(long) ? len - off : sizeof(long));
		if (ptrace(PTRACE_POKEDATA, pid, addr + off, word) < 0)
			die("poke");
	}
}

/* Stops the tracee right after a syscall instruction; saves its registers. */
static void stop_after_syscall(pid_t pid, struct user_regs_struct *saved)
{
	for (int tries = 0; tries < 200; tries++) {
		int st;
		long word;

		if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
			die("PTRACE_INTERRUPT");
		if (!wait_stop(pid, &st)) {
			printf("signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			exit(1);
		}
		if ((st >> 16) != PTRACE_EVENT_STOP) {
			/* A signal on its way: let it through, try again. */
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
			continue;
		}
		if (ptrace(PTRACE_GETREGS, pid, NULL, saved) < 0)
			die("PTRACE_GETREGS");
		errno = 0;
		word = ptrace(PTRACE_PEEKTEXT, pid, saved->rip - 2, NULL);
		if (errno == 0 && (word & 0xffff) == 0x050f) /* syscall */
			return;
		ptrace(PTRACE_CONT, pid, NULL, NULL);
		usleep(10000);
	}
	fprintf(stderr, "kg-inject: never caught the process in a system call\n");
	exit(1);
}

int main(int argc, char **argv)
{
	struct user_regs_struct saved, regs;
	unsigned long scratch, strs;
	unsigned long long args[6] = {0};
	long nr = -1;
	pid_t pid;
	int st;

	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: kg-inject PID CALL [ARG]...\n");
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(argv[2], calls[i].name) == 0)
			nr = calls[i].nr;
	if (nr < 0) {
		fprintf(stderr, "kg-inject: unknown call '%s'\n", argv[2]);
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		die("PTRACE_SEIZE");
	stop_after_syscall(pid, &saved);
	scratch = (saved.rsp - SCRATCH_BELOW) & ~15UL;
	strs = scratch + BUF_LEN;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "str:", 4) == 0) {
			size_t len = strlen(a + 4) + 1;

			poke(pid, strs, a + 4, len);
			args[i - 3] = strs;
			strs += (len + 15) & ~15UL;
		} else if (strcmp(a, "buf") == 0) {
			args[i - 3] = scratch;
		} else {
			args[i - 3] = (unsigned long long)strtoll(a, NULL, 0);
		}
	}
	regs = saved;
	regs.rip = saved.rip - 2;
	regs.orig_rax = (unsigned long long)-1; /* no restart of the interrupted call */
	regs.rax = (unsigned long long)nr;
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.rdx = args[2];
	regs.r10 = args[3];
	regs.r8 = args[4];
	regs.r9 = args[5];
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) < 0)
		die("PTRACE_SETREGS");
	if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0)
		die("PTRACE_SINGLESTEP");
	if (!wait_stop(pid, &st)) {
		printf("signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		return 0;
	}
	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
		die("PTRACE_GETREGS");
	printf("returned %lld\n", (long long)regs.rax);
	/* Back where it was: the interrupted poll restarts. */
	if (ptrace(PTRACE_SETREGS, pid, NULL, &saved) < 0)
		die("PTRACE_SETREGS");
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

#else

int main(void)
{
	fprintf(stderr, "kg-inject: x86-64 only\n");
	return 77;
}

#endif

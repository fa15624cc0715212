/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "softkey_proc.h"

int softkey_proc_mkdir(struct softkey_proc *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/keygate-softkey-XXXXXX");
	if (mkdtemp(p->dir) == NULL)
		return -errno;
	snprintf(p->sock, sizeof(p->sock), "%s/sock", p->dir);
	snprintf(p->spec, sizeof(p->spec), "unix:%s", p->sock);
	return 0;
}

static int try_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	int r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return r;
}

int softkey_proc_start(struct softkey_proc *p, ...)
{
	const char *bin = getenv("SOFTKEY");
	char *argv[32];
	struct timespec ts = {0, 10 * 1000 * 1000};
	size_t n = 0;
	va_list ap;

	if (bin == NULL)
		bin = "softkey";
	/* execv wants mutable strings; the copies die with the child or leak
	 * a few bytes in a test. */
	argv[n++] = strdup(bin);
	argv[n++] = strdup("--socket");
	argv[n++] = strdup(p->sock);
	va_start(ap, p);
	for (const char *a; n < 31 && (a = va_arg(ap, const char *)) != NULL;)
		argv[n++] = strdup(a);
	va_end(ap);
	argv[n] = NULL;
	unlink(p->sock);
	p->pid = fork();
	if (p->pid != 0)
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		execv(bin, argv);
		fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		int status;

		if (try_connect(p->sock) == 0)
			return 0;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			return -ECHILD;
		}
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

int softkey_proc_stop(struct softkey_proc *p)
{
	int status;

	if (p->pid <= 0)
		return -ECHILD;
	kill(p->pid, SIGTERM);
	if (waitpid(p->pid, &status, 0) != p->pid)
		return -errno;
	p->pid = 0;
	if (!WIFEXITED(status))
		return -EINTR;
	return WEXITSTATUS(status);
}

void softkey_proc_cleanup(struct softkey_proc *p)
{
	struct dirent *e;
	DIR *d;

	if (p->pid > 0)
		softkey_proc_stop(p);
	if (p->dir[0] == '\0' || (d = opendir(p->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[sizeof(p->dir) + sizeof(e->d_name) + 2];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(p->dir);
	p->dir[0] = '\0';
}

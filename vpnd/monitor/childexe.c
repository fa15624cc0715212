/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/childexe.h"

#ifndef VPND_NET_EXE
#define VPND_NET_EXE "/usr/local/libexec/keygate/vpnd-net"
#endif

static int checked(int fd, const char *path, char err[ERR_LEN])
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		close(fd);
		text_err(err, "cannot read the network child's executable %s: %s", path,
			 strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & S_IXOTH) == 0) {
		close(fd);
		text_err(err, "the network child's executable %s is not a file all may run", path);
		return -EACCES;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		text_err(err,
			 "the network child's executable %s must be root's and writable by root "
			 "only (owner uid %u, mode %04o)",
			 path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return fd;
}

int childexe_open(char err[ERR_LEN])
{
	char self[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;
	int fd;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/vpnd-net", self);
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd >= 0)
				return checked(fd, path, err);
			if (errno != ENOENT) {
				int ret = -errno;

				text_err(err, "cannot open the network child's executable %s: %s",
					 path, strerror(-ret));
				return ret;
			}
		}
	}
	fd = open(VPND_NET_EXE, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		int ret = -errno;

		text_err(err, "cannot open the network child's executable %s: %s", VPND_NET_EXE,
			 strerror(-ret));
		return ret;
	}
	return checked(fd, VPND_NET_EXE, err);
}

/* SPDX-License-Identifier: ISC */
/* The network child's root (childroot.h); below privsep.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "monitor/childroot.h"

int childroot_open(const char *state_dir)
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

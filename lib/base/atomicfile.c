/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomicfile.h"
#include "base/outfile.h"

/* base/outfile does the temporary file, the syncs and the rename for
 * clientcfg's outputs too: one implementation of the crash-safe write. */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode)
{
	return outfile_write_all(path, data, len, mode, OUTFILE_REPLACE);
}

int atomicfile_read(const char *path, char **buf, size_t *len, size_t max)
{
	struct stat st;
	char *b = NULL;
	size_t got = 0;
	int fd, ret;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		goto fail_errno;
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto fail;
	}
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
fail_errno:
	ret = -errno;
fail:
	free(b);
	close(fd);
	return ret;
}

int atomicfile_map(const char *path, const char **data, size_t *len, size_t max)
{
	struct stat st;
	void *p;
	int fd, ret = 0;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
	} else if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
	} else if (st.st_size > 0) {
		/* vpnd replaces its files by rename, never truncates them: the
		 * mapped inode keeps its size. */
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			ret = -errno;
		} else {
			*data = p;
			*len = (size_t)st.st_size;
		}
	}
	close(fd);
	return ret;
}

void atomicfile_unmap(const char *data, size_t len)
{
	if (data != NULL)
		munmap((void *)(uintptr_t)data, len);
}

int atomicfile_mkdirs(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

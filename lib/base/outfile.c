/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/outfile.h"

/* Is there something at path, and may it be replaced? */
static int check_target(const char *path, unsigned flags)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return (flags & OUTFILE_REPLACE) ? 0 : -EEXIST;
}

static char *dir_of(const char *path)
{
	char *copy = strdup(path), *dir;

	if (copy == NULL)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

int outfile_open(struct outfile *f, const char *path, mode_t mode, unsigned flags)
{
	char *dir = NULL, *base = NULL, *copy = NULL;
	int ret;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->flags = flags;
	f->mode = mode;
	if (path == NULL || path[0] == '\0')
		return -EINVAL;
	ret = check_target(path, flags);
	if (ret < 0)
		return ret;
	f->path = strdup(path);
	dir = dir_of(path);
	copy = strdup(path);
	if (f->path == NULL || dir == NULL || copy == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	base = basename(copy);
	if (asprintf(&f->tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
		f->tmp = NULL;
		ret = -ENOMEM;
		goto fail;
	}
	/* mkostemp makes the file 0600: a secret is never readable by others. */
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		ret = -errno;
		free(f->tmp);
		f->tmp = NULL;
		goto fail;
	}
	free(dir);
	free(copy);
	return 0;
fail:
	free(dir);
	free(copy);
	outfile_abort(f);
	return ret;
}

int outfile_write(struct outfile *f, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(f->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, ret = 0;

	if (dir == NULL)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

/* rename without replacing; link+unlink where the file system lacks it. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (link(from, to) < 0)
		return -errno;
	unlink(from);
	return 0;
}

int outfile_commit(struct outfile *f)
{
	int ret;

	if (f->tmp == NULL || f->fd < 0)
		return -EBADF;
	if (fchmod(f->fd, f->mode) < 0 || fsync(f->fd) < 0) {
		ret = -errno;
		goto fail;
	}
	if (close(f->fd) < 0) {
		f->fd = -1;
		ret = -errno;
		goto fail;
	}
	f->fd = -1;
	/* Only a regular file is replaced, even with OUTFILE_REPLACE. */
	ret = check_target(f->path, f->flags);
	if (ret < 0)
		goto fail;
	if (f->flags & OUTFILE_REPLACE)
		ret = rename(f->tmp, f->path) < 0 ? -errno : 0;
	else
		ret = rename_noreplace(f->tmp, f->path);
	if (ret < 0)
		goto fail;
	free(f->tmp);
	f->tmp = NULL;
	ret = fsync_dir(f->path);
	free(f->path);
	f->path = NULL;
	return ret;
fail:
	outfile_abort(f);
	return ret;
}

void outfile_abort(struct outfile *f)
{
	/* The descriptor is ours only while the temporary file exists. */
	if (f->tmp != NULL) {
		if (f->fd >= 0)
			close(f->fd);
		unlink(f->tmp);
	}
	f->fd = -1;
	free(f->tmp);
	f->tmp = NULL;
	free(f->path);
	f->path = NULL;
}

int outfile_write_all(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags)
{
	struct outfile f;
	int ret;

	ret = outfile_open(&f, path, mode, flags);
	if (ret < 0)
		return ret;
	ret = outfile_write(&f, buf, len);
	if (ret < 0) {
		outfile_abort(&f);
		return ret;
	}
	return outfile_commit(&f);
}

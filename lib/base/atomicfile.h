/* SPDX-License-Identifier: ISC */
/*
 * Whole-file reads and crash-safe replacement: the new content goes to a
 * temporary file in the same directory, which is fsynced, renamed over the
 * old one, and the directory is fsynced. A crash at any point leaves either
 * the old file or the new one, whole.
 */
#ifndef KEYGATE_ATOMICFILE_H
#define KEYGATE_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 or -errno; the file gets the given mode. Only a regular file is
 * replaced: -EISDIR or -EINVAL when path is something else (a symlink,
 * say). outfile_write_all with OUTFILE_REPLACE, under vpnd's name. */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode);
/* Reads at most max bytes (-EFBIG beyond); *buf is NUL-terminated, free it.
 * -ENOENT when the file does not exist. */
int atomicfile_read(const char *path, char **buf, size_t *len, size_t max);
/* Maps a whole file read-only, so that a large file is not copied into
 * the heap; *data is NULL for an empty file. Unmap with atomicfile_unmap.
 * -ENOENT when the file does not exist. */
int atomicfile_map(const char *path, const char **data, size_t *len, size_t max);
void atomicfile_unmap(const char *data, size_t len);
/* Makes dir (and its parents) with the given mode when missing; an existing
 * dir keeps its mode. 0 or -errno. */
int atomicfile_mkdirs(const char *dir, mode_t mode);

#endif

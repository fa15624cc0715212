/* SPDX-License-Identifier: ISC */
/*
 * Writing a file that may hold secrets so that it is never seen half
 * written: the bytes go to a temporary file beside the target (mode 0600
 * from the start), which is fsynced and then renamed over the target, and
 * the directory is fsynced. Without OUTFILE_REPLACE an existing target is
 * never touched: the check at open is repeated atomically at commit
 * (rename without replace).
 *
 * The split into open / write / commit lets a caller fail early (the path
 * exists, the folder is not writable) before it does anything that is hard
 * to undo, and abort after.
 *
 * All functions return 0 or -errno; -EEXIST when the target exists,
 * -EISDIR or -EINVAL when it is there but not a regular file.
 */
#ifndef KEYGATE_OUTFILE_H
#define KEYGATE_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum outfile_flags {
	OUTFILE_REPLACE = 1U << 0,
};

struct outfile {
	char *path;
	char *tmp; /* NULL once committed or aborted */
	int fd;
	unsigned flags;
	mode_t mode;
};

/* Makes the temporary file; fails at once if the target exists (unless
 * OUTFILE_REPLACE) or the folder does not take files. */
int outfile_open(struct outfile *f, const char *path, mode_t mode, unsigned flags);
int outfile_write(struct outfile *f, const void *buf, size_t len);
/* fsync, rename into place, fsync the folder. Aborts on failure. */
int outfile_commit(struct outfile *f);
/* Removes the temporary file; safe after commit, after a failed open and
 * on a zeroed struct. */
void outfile_abort(struct outfile *f);

/* open + write + commit. */
int outfile_write_all(const char *path, const void *buf, size_t len, mode_t mode, unsigned flags);

#endif

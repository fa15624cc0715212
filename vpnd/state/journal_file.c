/* SPDX-License-Identifier: ISC */
/* The journal's file (journal.h): loaded, appended to, replaced. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "state/journal.h"

int journal_load(struct journal *j, struct registry *r, struct sessions *ss, const char *boot_id,
		 uint64_t now_ns, struct journal_stats *st, char err[ERR_LEN])
{
	const char *text = NULL;
	size_t len = 0;
	char why[ERR_LEN];
	int ret;

	memset(st, 0, sizeof(*st));
	ret = atomicfile_map(j->path, &text, &len, JOURNAL_FILE_MAX);
	if (ret == -ENOENT)
		ret = 0;
	else if (ret < 0) {
		text_err(err, "cannot read %s: %s", j->path, strerror(-ret));
		return ret;
	}
	if (len > 0) {
		ret = journal_replay(text, len, r, ss, boot_id, now_ns, st, why);
		if (ret < 0)
			text_err(err, "%s: %s", j->path, why);
	}
	atomicfile_unmap(text, len);
	if (ret < 0)
		return ret;
	/* Numbers go on from the newest record, wherever it is. */
	if (st->last_seq > j->seq)
		j->seq = st->last_seq;
	if (ss != NULL && ss->journal_seq > j->seq)
		j->seq = ss->journal_seq;
	j->good = st->good;
	/* A torn tail is cut before anything is appended after it. */
	j->cut = st->torn != 0;
	j->loaded = true;
	return 0;
}

/* Cuts the file back to its whole records. */
static int cut(struct journal *j, int fd)
{
	if (ftruncate(fd, j->good) < 0 || fdatasync(fd) < 0)
		return -errno;
	j->cut = false;
	return 0;
}

int journal_commit(struct journal *j)
{
	struct strbuf out;
	const char *p;
	size_t left, n;
	int fd = -1, ret = 0;

	if (j->pending.len == 0)
		return 0;
	/* A file made here (the one of the last start could not be written)
	 * begins with the boot its session records count on. */
	strbuf_init(&out);
	if (j->good == 0)
		journal_boot(&out, j->boot_id);
	strbuf_add(&out, j->pending.buf, j->pending.len);
	if (j->pending.failed || out.failed) {
		ret = -ENOMEM;
		goto out;
	}
	p = out.buf;
	left = n = out.len;
	/* Opened for each commit, not held: a descriptor open for writing
	 * would keep the admin from remounting the state read-only. */
	fd = open(j->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (j->cut && (ret = cut(j, fd)) < 0)
		goto out;
	if (lseek(fd, j->good, SEEK_SET) < 0) {
		ret = -errno;
		goto out;
	}
	while (left > 0) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = w < 0 ? -errno : -EIO;
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	if (ret == 0 && fdatasync(fd) < 0)
		ret = -errno;
	if (ret == 0) {
		j->good += (off_t)n;
	} else {
		/* Whatever of it reached the file must not count: cut it now,
		 * or before the next write. */
		j->cut = true;
		cut(j, fd);
	}
out:
	if (fd >= 0)
		close(fd);
	strbuf_finish(&out);
	journal_discard(j);
	return ret;
}

bool journal_full(const struct journal *j)
{
	return j->good > (off_t)JOURNAL_MAX;
}

int journal_reset(struct journal *j)
{
	struct strbuf sb;
	int ret;

	if (!j->loaded)
		return -EAGAIN;
	if (j->pending.len != 0)
		return -EBUSY;
	strbuf_init(&sb);
	journal_boot(&sb, j->boot_id);
	ret = sb.failed ? -ENOMEM : atomicfile_write(j->path, sb.buf, sb.len, 0600);
	if (ret == 0) {
		j->good = (off_t)sb.len;
		j->cut = false;
	}
	strbuf_finish(&sb);
	return ret;
}

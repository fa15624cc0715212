/* SPDX-License-Identifier: ISC */
/*
 * The journal: what an activation changes, appended to one file of the
 * state directory instead of rewriting the registry and the sessions file
 * (docs/registry.md, "The journal"). An activation changes one
 * credential's sign counter and one session; both records go out in one
 * write and one fdatasync before the peer goes on the interface and the
 * reply goes out, so a granted activation is on disk, and the cost does
 * not grow with the number of peers.
 *
 * Records are text lines, each ending in a checksum:
 *   b 0 BOOT-ID HASH               the boot the session records count on:
 *                                  first in the file, and unnumbered
 *   c SEQ OWNER KEY-ID COUNTER HASH  a credential's sign counter
 *   s SEQ NAME owner=... by=... HASH   a session opened or extended
 *   e SEQ NAME HASH                a session ended
 * SEQ grows with each record and never starts again; HASH is 16 hex digits
 * of BLAKE2b-64 over the line before its last space.
 *
 * Replayed at start (and the counters at a reload) over what the files
 * say: a counter only ever grows, so an old record changes nothing; a
 * session record counts only when it is newer than the sessions file
 * (its "journal N" line), so a full write of that file since then wins.
 * The files and then the journal are rewritten (compacted) at start, when
 * the journal passes JOURNAL_MAX, and at stop.
 *
 * A torn last record (a crash in the middle of a write) is dropped and
 * counted; a bad record with whole ones after it is corruption: the load
 * refuses and names its offset. A failed write cuts the file back to its
 * last whole record, so a torn record is never followed by another.
 *
 * One module in two files: journal.c (records and replay), journal_file.c
 * (the file).
 */
#ifndef KEYGATE_JOURNAL_H
#define KEYGATE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"
#include "base/clock.h"
#include "base/text.h"
#include "state/registry.h"
#include "state/session.h"

#define JOURNAL_NAME     "journal"
#define JOURNAL_MAX      (1U << 20) /* bytes; compacted past this */
#define JOURNAL_LINE_MAX 1024
#define JOURNAL_FILE_MAX (64U << 20) /* refused beyond, at load */

struct journal {
	char path[4200];
	char boot_id[BOOT_ID_LEN + 1];
	uint64_t seq;          /* the last number given */
	struct strbuf pending; /* records not yet written */
	off_t good;            /* the file's length up to its last whole record */
	bool cut;              /* bytes past good may be there: cut before writing */
	bool loaded;           /* replayed: until then nothing may replace it */
};

/* What a replay did. */
struct journal_stats {
	size_t records; /* whole records read */
	size_t applied; /* that changed something */
	size_t skipped; /* about a credential or session gone, or older than the file */
	size_t torn;    /* 1 when the last record was cut short */
	off_t good;     /* the offset after the last whole record */
	uint64_t last_seq;
};

void journal_init(struct journal *j, const char *dir, const char *boot_id);
void journal_finish(struct journal *j);

/* Records, kept until journal_commit. */
void journal_counter(struct journal *j, const struct reg_owner *o, const struct reg_cred *c);
void journal_session(struct journal *j, const struct session *s);
void journal_end(struct journal *j, const char *peer);
/* Forgets the records not yet written (their change was undone). */
void journal_discard(struct journal *j);
/* The boot record, appended to sb. */
void journal_boot(struct strbuf *sb, const char *boot_id);

/* Parses a journal's text and applies it to r (counters) and ss
 * (sessions; NULL: counters only, as at a reload). Sessions of another
 * boot than boot_id, and those over by now_ns, are not kept. -EINVAL with
 * err naming the offset of a corrupt record; r and ss then hold what came
 * before it. */
int journal_replay(const char *text, size_t len, struct registry *r, struct sessions *ss,
		   const char *boot_id, uint64_t now_ns, struct journal_stats *st,
		   char err[ERR_LEN]);

/* journal_file.c */

/* Reads and replays the file (a missing one is empty), and takes up its
 * numbering after the last record and ss->journal_seq. */
int journal_load(struct journal *j, struct registry *r, struct sessions *ss, const char *boot_id,
		 uint64_t now_ns, struct journal_stats *st, char err[ERR_LEN]);
/* Writes the pending records in one write (after a boot record when the
 * file is empty) and fdatasyncs: 0, or -errno with nothing pending left
 * and the file cut back to its whole records (or marked to be cut before
 * the next write). */
int journal_commit(struct journal *j);
/* Whether the file has grown past JOURNAL_MAX. */
bool journal_full(const struct journal *j);
/* Replaces the file with one boot record, atomically: done once the
 * registry and the sessions file hold everything (compaction). -EBUSY
 * while records are pending, -EAGAIN before a journal_load succeeded (a
 * journal refused as corrupt stays as it is, for the admin). */
int journal_reset(struct journal *j);

#endif

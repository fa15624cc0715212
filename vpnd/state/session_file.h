/* SPDX-License-Identifier: ISC */
/*
 * Sessions on disk, so that a restart keeps them and a crash never
 * extends them. The file records the boot id: CLOCK_BOOTTIME deadlines
 * mean nothing after a reboot, and a rebooted host may start with a wrong
 * wall clock, so sessions of an earlier boot are all ended (fail closed).
 */
#ifndef KEYGATE_SESSION_FILE_H
#define KEYGATE_SESSION_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/clock.h"
#include "state/session.h"

#define SESSION_FILE_MAX (64U << 20)

struct strbuf;

/* One session as the file has it, without the leading "session " and the
 * newline: "NAME owner=... by=..." (the journal's records reuse it). */
void session_file_line(struct strbuf *sb, const struct session *s);
/* The fields of such a line, split into words: w[1] the name, w[2..11]
 * the fields, all required, each once (w[0] is not looked at). On -EINVAL
 * *bad names the field that is wrong. */
int session_file_fields(char **w, int n, struct session *s, const char **bad);
/* The file's text. A "journal N" line after "boot" says the journal's
 * records up to N are in it (ss->journal_seq; 0 writes none). */
void session_file_format(const struct sessions *ss, const char *boot_id, uint64_t now_ns,
			 int64_t now_wall, struct strbuf *sb);
/* Writes it atomically (mode 0600). 0 or -errno. */
int session_file_save(const struct sessions *ss, const char *path, const char *boot_id);

/* Reads the text into ss (which should be empty). Sessions of another boot,
 * and those whose window ended by now_ns, are counted in *dropped and not
 * kept. -EINVAL with err naming the line when the text is corrupt. */
int session_file_parse(struct sessions *ss, const char *text, size_t len, const char *name,
		       const char *boot_id, uint64_t now_ns, size_t *dropped, char err[ERR_LEN]);
/* Reads path; a missing file is no sessions. */
int session_file_load(struct sessions *ss, const char *path, const char *boot_id, uint64_t now_ns,
		      size_t *dropped, char err[ERR_LEN]);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The control protocol between the admin commands (and clientcfg) and the
 * running vpnd, over its root-only unix socket. One request per
 * connection: a single line of words, positional ones first by
 * convention, options as key=value; the reply is zero or more record lines
 * of key=value fields, then "ok" or "error MESSAGE". Values are
 * percent-encoded (space, '%', '=', control bytes), so any text fits.
 * docs/control-protocol.md has the requests.
 */
#ifndef KEYGATE_CTL_H
#define KEYGATE_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "base/text.h"

#define CTL_MAX_REQUEST 4096
#define CTL_MAX_WORDS   32
#define CTL_MAX_REPLY   (512U << 20)

struct ctl_request {
	char buf[CTL_MAX_REQUEST + 1];
	int nargs;
	char *args[CTL_MAX_WORDS];
	int nopts;
	char *keys[CTL_MAX_WORDS];
	char *vals[CTL_MAX_WORDS];
};

/* Parses one request line (the trailing newline included or not).
 * -EINVAL with err saying why. */
int ctl_request_parse(struct ctl_request *req, const char *data, size_t len, char err[ERR_LEN]);
/* An option's value, or NULL. */
const char *ctl_request_opt(const struct ctl_request *req, const char *key);

/* Building a request or a record: words and fields in order. */
void ctl_add_word(struct strbuf *sb, const char *word);
void ctl_add_field(struct strbuf *sb, const char *key, const char *value);
void ctl_add_fieldf(struct strbuf *sb, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Ends a request or a record line. */
void ctl_end_line(struct strbuf *sb);
void ctl_reply_ok(struct strbuf *sb);
void ctl_reply_error(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct ctl_record {
	int n;
	char **keys;
	char **vals;
};

struct ctl_reply {
	int nrec;
	struct ctl_record *recs;
	char *error; /* NULL when the reply was "ok" */
	char *text;  /* owns the strings */
};

/* Parses a whole reply; -EINVAL when it is not one. */
int ctl_reply_parse(struct ctl_reply *reply, const char *data, size_t len);
void ctl_reply_finish(struct ctl_reply *reply);
const char *ctl_record_get(const struct ctl_record *rec, const char *key);

/* Connects to path, sends the request line, reads the reply. 0 when the
 * daemon answered (ok or error); -errno with err filled when it could not
 * be reached or answered nonsense. */
int ctl_call(const char *path, const char *request, struct ctl_reply *reply, char err[ERR_LEN]);

#endif

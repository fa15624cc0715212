/* SPDX-License-Identifier: ISC */
/* Small text helpers shared by the parsers: names, words, key=value. */
#ifndef KEYGATE_TEXT_H
#define KEYGATE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Size of the error buffers the parsers fill with one line. */
#define ERR_LEN      256
#define NAME_MAX_LEN 32

/* Peer and owner names: 1..32 of A-Z a-z 0-9 . _ - @ +, starting with a
 * letter or digit, so they are safe in files, replies and shells. */
bool text_valid_name(const char *s);
/* Splits s in place at spaces and tabs; returns the number of words or
 * -E2BIG when there are more than max. */
int text_split(char *s, char **words, int max);
/* For "key=value": sets *value past the '=' and cuts the word there;
 * returns the key, or NULL when the word has no '='. */
char *text_kv(char *word, char **value);
/* Cuts leading and trailing blanks; returns the new start. */
char *text_trim(char *s);
/* Printable ASCII without spaces, at most max bytes. */
bool text_is_token(const char *s, size_t max);

/* Fills an ERR_LEN buffer with one line, cut to fit. */
void text_err(char err[ERR_LEN], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The --state file: device secret, PIN state and signature counter, as
 * "key value" lines. Written atomically (temp file, fsync, rename, fsync
 * of the directory) after every change.
 */
#ifndef SOFTKEY_STATE_H
#define SOFTKEY_STATE_H

#include "softkey.h"

/* A fresh device: random secret, no PIN, counter 0. */
void state_new(struct sk_state *st);
/* -ENOENT when the file does not exist; other errors are logged. */
int state_load(struct sk_state *st, const char *path);
int state_save(const struct sk_state *st, const char *path);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The activation key's file, StateDirectory/activation.key (mode 0600):
 * the key pair enrollment URIs name and every activation is sealed to
 * (docs/protocol.md 3), its own since protocol version 2 and no longer
 * derived from the WireGuard key, so that it can be rotated alone. Beside
 * the current key the file holds, during a rotation's grace, the key it
 * replaced, and after that the replaced key's public half, so that its
 * last users hear that it was rotated.
 *
 *   # comment
 *   current BASE64-PRIVATE-KEY
 *   previous BASE64-PRIVATE-KEY UNTIL      (unix seconds)
 *   retired BASE64-PUBLIC-KEY
 */
#ifndef VPND_ACTKEY_H
#define VPND_ACTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/key.h"
#include "base/text.h"

#define ACTKEY_FILE  "activation.key"
#define ACTKEY_GRACE (7 * 86400) /* seconds a replaced key stays accepted */

struct actkey {
	uint8_t sk[KEY_LEN], pk[KEY_LEN];
	bool has_prev;
	uint8_t prev_sk[KEY_LEN], prev_pk[KEY_LEN];
	int64_t prev_until; /* unix seconds: the previous key's grace ends */
	bool has_retired;
	uint8_t retired_pk[KEY_LEN];
};

/* "DIR/activation.key"; -ENAMETOOLONG. */
int actkey_path(char *buf, size_t cap, const char *state_dir);
/* -ENOENT when there is no file; -EINVAL with the line in err for one
 * that is not a key file. Warns (log) when others may read it. */
int actkey_load(struct actkey *k, const char *path, char err[ERR_LEN]);
/* Written whole or not at all (base/outfile); without replace, an
 * existing file is never touched (-EEXIST). */
int actkey_save(const struct actkey *k, const char *path, bool replace, char err[ERR_LEN]);

/* A fresh key, no previous one. */
void actkey_generate(struct actkey *k);
/* A gateway that ran protocol version 1: a fresh key, with version 1's
 * key (derived from the WireGuard key wg_sk) as the previous one, accepted
 * until now + grace, exactly as after a rotation. */
void actkey_migrate(struct actkey *k, const uint8_t wg_sk[KEY_LEN], int64_t now, uint64_t grace);
/* A fresh key; the current one is accepted until now + grace. A previous
 * key still in its grace is retired at once. */
void actkey_rotate(struct actkey *k, int64_t now, uint64_t grace);
/* Retires the previous key once its grace is over; true when it did. */
bool actkey_expire(struct actkey *k, int64_t now);
/* The public key of key number idx (0 current, 1 previous), or NULL
 * when there is none or its grace is over at now. */
const uint8_t *actkey_public(const struct actkey *k, unsigned idx, int64_t now);
void actkey_wipe(struct actkey *k);

#endif

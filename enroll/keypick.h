/* SPDX-License-Identifier: ISC */
/*
 * Which security key to use when the command line names none (keypick.c):
 * of the keys plugged in, the one that holds a credential for this
 * gateway, asked without a touch, as a user expects with a work key and a
 * personal key side by side.
 */
#ifndef KEYGATE_ENROLL_KEYPICK_H
#define KEYGATE_ENROLL_KEYPICK_H

#include <stddef.h>

#include "base/text.h"
#include "seckey.h"
#include "state.h"

/*
 * Opens the key to assert with: spec when given; else, of the keys plugged
 * in other than the one at path skip (NULL: none), the one holding one of
 * creds for rp_id. Sets k->label when it chose among several. 0, or -errno
 * with one line in err: no key plugged in (-ENODEV), none of them
 * registered for this gateway (-ENOKEY).
 */
int keypick_open(struct seckey *k, const char *spec, const char *skip, const char *rp_id,
		 const struct enroll_cred *creds, size_t n, char err[ERR_LEN]);
/* For a new credential: spec, or the first key plugged in other than skip,
 * labelled when there are several. */
int keypick_first(struct seckey *k, const char *spec, const char *skip, char err[ERR_LEN]);

#endif

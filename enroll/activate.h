/* SPDX-License-Identifier: ISC */
/* An activation with the security key, for `enroll up` and `enroll
 * activate` (activate.c). */
#ifndef KEYGATE_ENROLL_ACTIVATE_H
#define KEYGATE_ENROLL_ACTIVATE_H

#include <stdint.h>

#include "enroll.h"

/* Opens the key, reads the PIN, runs the exchange for t; 0, or -errno
 * after a message on stderr (a refusal is -EACCES). what names the
 * command in messages. A new activation key in the reply goes into st
 * and its file (enroll_learn_key). */
int activate_run(const struct enroll_opts *o, struct enroll_state *st, const struct proto_target *t,
		 const uint8_t *sk, struct proto_reply *rep, const char *what);

#endif

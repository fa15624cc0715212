/* SPDX-License-Identifier: ISC */
/*
 * vpnd check's look at Dovecot (docs/mail.md): an authentication policy
 * (auth_policy_server_url) without auth_policy_reject_on_fail = yes lets
 * every login through while vpnd is down. Read from `doveconf -n` when
 * doveconf is installed; a warning, never a failure of the check.
 */
#ifndef VPND_DOVECHECK_H
#define VPND_DOVECHECK_H

#include <stddef.h>

#include "base/text.h"

/* On doveconf -n's output: 1 with the warning in line, or 0. */
int dovecheck_text(const char *text, size_t len, char line[ERR_LEN]);
/* Runs doveconf -n (from PATH): 1 with the warning, 0 without one or
 * without doveconf. */
int dovecheck_run(char line[ERR_LEN]);

#endif

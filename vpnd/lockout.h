/* SPDX-License-Identifier: ISC */
/*
 * Lockout of a credential after repeated failed assertions: LOCKOUT_FAILS
 * failures within LOCKOUT_WINDOW seconds lock it for LOCKOUT_TIME seconds.
 * In the monitor, in a table of fixed size (one slot per credential, by a
 * keyed hash), so what an attacker sends never grows it; a credential is
 * only tracked once the registry knows it. Kept in memory: a restart
 * clears it, as an admin may want.
 */
#ifndef VPND_LOCKOUT_H
#define VPND_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#define LOCKOUT_FAILS  5
#define LOCKOUT_WINDOW 600
#define LOCKOUT_TIME   900
#define LOCKOUT_SLOTS  1024

void lockout_init(void);
/* Is the credential locked at now (CLOCK_BOOTTIME seconds)? */
bool lockout_locked(const char *owner, const char *cred, uint64_t now);
/* Counts a failure; true when this one locks the credential. */
bool lockout_fail(const char *owner, const char *cred, uint64_t now);
/* A good assertion forgets the failures. */
void lockout_clear(const char *owner, const char *cred);
/* Credentials locked now; for `vpnd status`. */
unsigned lockout_count(uint64_t now);

#endif

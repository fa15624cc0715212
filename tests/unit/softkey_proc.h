/* SPDX-License-Identifier: ISC */
/*
 * Starts a softkey process on a socket in a fresh temporary directory and
 * stops it again. The binary comes from $SOFTKEY (set by meson).
 */
#ifndef KEYGATE_TEST_SOFTKEY_PROC_H
#define KEYGATE_TEST_SOFTKEY_PROC_H

#include <sys/types.h>

struct softkey_proc {
	pid_t pid;
	char dir[64];
	char sock[100]; /* fits sun_path */
	char spec[108]; /* "unix:" + sock, for fidodev_open */
};

/* A private temporary directory; softkey_proc_start uses it for the socket. */
int softkey_proc_mkdir(struct softkey_proc *p);
/* Extra arguments end with NULL. Returns 0 once the socket accepts. */
int softkey_proc_start(struct softkey_proc *p, ...);
/* SIGTERM, then the exit status; 0 when softkey exited cleanly. */
int softkey_proc_stop(struct softkey_proc *p);
/* Removes the directory and what is in it. */
void softkey_proc_cleanup(struct softkey_proc *p);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The monitor's drop of privileges, and the ids it gives the network child
 * (docs/privsep.md; the child's own sandbox is netchild/sandbox.c).
 *
 * The monitor keeps uid and gid 0 in all four places (real, effective,
 * saved, file system): its state, config and control socket are root's
 * files, reached through owner permissions, not through CAP_DAC_OVERRIDE.
 * None of its ids is the child's, so nothing that runs as the child's user
 * can signal it. In effect it keeps CAP_NET_ADMIN alone. CAP_SETUID,
 * CAP_SETGID and CAP_KILL stay in its permitted set, out of effect: the
 * forked copy that becomes a child raises the first two for its
 * setresgid/setresuid and drops everything before the exec; the monitor
 * raises CAP_KILL for the one kill() of a child. The bounding set holds
 * these four and no more, SECBIT_NOROOT is locked and no_new_privs set,
 * so no exec and no change of uid brings any other capability back.
 */
#ifndef VPND_DROP_H
#define VPND_DROP_H

#include <sys/types.h>

#include "base/text.h"

/* The network child's ids: those of the user `name` ([Daemon] ChildUser)
 * and its primary group. A missing user, one with root's ids, or vpnd's
 * own uid is refused, and err says how to make the user. Call before
 * anything is dropped (NSS may read files). 0 or -errno. */
int drop_child_user(const char *name, uid_t *uid, gid_t *gid, char err[ERR_LEN]);

/* What the drop and the child will need, checked at start before anything
 * is touched: the child's user (drop_child_user) and the capabilities the
 * monitor keeps. 0 or -errno, with err saying what is missing. */
int drop_check(const char *child_user, char err[ERR_LEN]);

/* The monitor's drop, after every privileged start-up step. Started as
 * another user than root (with ambient capabilities) it keeps its uid and
 * narrows its capabilities the same way. Refuses, naming them, when it
 * lacks the capabilities it must keep. 0 or -errno. */
int drop_monitor(char err[ERR_LEN]);

/* SIGKILL to the network child, with CAP_KILL in effect for that call
 * only. 0 or -errno. */
int drop_kill_child(pid_t pid);

/* In the forked child before it execs itself: the child's ids, no
 * capabilities in any set. 0 or -errno. */
int drop_to_child(uid_t uid, gid_t gid);

#endif

/* SPDX-License-Identifier: ISC */
/* The monitor's drop of privileges (drop.h); below privsep.c, above lib. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/log.h"
#include "common/caps.h"
#include "monitor/drop.h"

#define FALLBACK_ID 65534

void drop_child_ids(uid_t *uid, gid_t *gid, const char **name)
{
	static const char *const names[] = {"keygate", "nobody"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct passwd *pw = getpwnam(names[i]);

		if (pw != NULL && pw->pw_uid != 0 && pw->pw_gid != 0) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			*name = names[i];
			return;
		}
	}
	*uid = FALLBACK_ID;
	*gid = FALLBACK_ID;
	*name = "65534";
}

int drop_monitor(uid_t child_uid, gid_t child_gid)
{
	uint32_t keep = 1U << CAP_NET_ADMIN;
	int ret;

	if (geteuid() != 0) {
		/* Started unprivileged (a unit with User= and ambient caps):
		 * nothing to give away but capabilities beyond ours. */
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		ret = caps_set(keep);
		return ret == -EPERM ? caps_set(0) : ret;
	}
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, child_gid) < 0 ||
	    setresuid(0, 0, child_uid) < 0)
		return -errno;
	/* NO_SETUID_FIXUP: moving the effective uid to the child's and back
	 * (to signal it) leaves the capabilities alone; NOROOT: executing
	 * anything as uid 0 grants nothing. */
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
			  SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
			  SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) < 0)
		return -errno;
	if ((ret = caps_bound(keep)) < 0)
		return ret;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if ((ret = caps_set(keep)) < 0)
		return ret;
	/* Key material: no core file, no ptrace by other uid-0 processes
	 * without CAP_SYS_PTRACE. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int drop_as_child(uid_t child_uid, int (*fn)(void *arg), void *arg)
{
	uid_t r, e, s;
	int ret;

	if (getresuid(&r, &e, &s) < 0 || e != 0 || s != child_uid)
		return fn(arg);
	if (setresuid((uid_t)-1, child_uid, (uid_t)-1) < 0)
		return -errno;
	ret = fn(arg);
	if (setresuid((uid_t)-1, 0, (uid_t)-1) < 0)
		log_error("cannot take back uid 0 after signalling the network child: %s",
			  strerror(errno));
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return ret;
}

int drop_to_child(uid_t uid, gid_t gid)
{
	if (geteuid() == 0 || getuid() == 0) {
		if (setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
			return -errno;
	}
	if (getuid() == 0 || geteuid() == 0)
		return -EPERM;
	if (caps_set(0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* The monitor's drop of privileges (drop.h); below privsep.c, above lib. */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/caps.h"
#include "gateway/conf.h"
#include "monitor/drop.h"

#define CAP(c) (1U << (c))
/* What starting and stopping a child as another user takes. */
#define CHILD_CAPS (CAP(CAP_SETUID) | CAP(CAP_SETGID) | CAP(CAP_KILL))

int drop_child_user(const char *name, uid_t *uid, gid_t *gid, char err[ERR_LEN])
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (pw == NULL) {
		/* getpwnam(3): these mean "no such user", the rest a failed
		 * lookup. */
		int e = errno;

		if (e != 0 && e != ENOENT && e != ESRCH && e != EBADF && e != EPERM) {
			text_err(err, "cannot look up the user '%s' for the network child: %s",
				 name, strerror(e));
			return -e;
		}
		text_err(err,
			 "no user '%s' for the network child: create it (useradd --system "
			 "--user-group --no-create-home --home-dir /nonexistent --shell "
			 "/usr/sbin/nologin %s%s)",
			 name, name,
			 strcmp(name, CONF_DEFAULT_CHILD_USER) == 0
				 ? ", or systemd-sysusers with contrib/sysusers.d/keygate.conf"
				 : "");
		return -ENOENT;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		text_err(err,
			 "the network child's user '%s' has uid %u and gid %u: it must not be "
			 "root's",
			 name, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
		return -EPERM;
	}
	/* A child with vpnd's own uid could signal it: the very thing another
	 * user is for. */
	if (pw->pw_uid == getuid() || pw->pw_uid == geteuid()) {
		text_err(err,
			 "the network child's user '%s' (uid %u) is the one vpnd runs as: it must "
			 "be another",
			 name, (unsigned)pw->pw_uid);
		return -EPERM;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* "CAP_SETUID, CAP_KILL" for a mask. */
static void cap_names(char *out, size_t len, uint32_t mask)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {
		{CAP_NET_ADMIN, "CAP_NET_ADMIN"}, {CAP_SETUID, "CAP_SETUID"},
		{CAP_SETGID, "CAP_SETGID"},       {CAP_KILL, "CAP_KILL"},
		{CAP_SETPCAP, "CAP_SETPCAP"},
	};
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((mask & CAP(names[i].cap)) != 0 && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n > 0 ? ", " : "",
					      names[i].name);
}

/* The capabilities held now, and whether the drop finds all it keeps. */
static int caps_held(uint32_t *have, uint32_t *eff, char err[ERR_LEN])
{
	/* As root it also sets the securebits and the bounding set; as
	 * another user a unit's CapabilityBoundingSet does that. */
	uint32_t need = CHILD_CAPS | (geteuid() == 0 ? CAP(CAP_NET_ADMIN) | CAP(CAP_SETPCAP) : 0);
	char missing[96];
	int ret;

	if ((ret = caps_get(have, eff)) < 0) {
		text_err(err, "cannot read vpnd's capabilities: %s", strerror(-ret));
		return ret;
	}
	if ((*have & need) != need) {
		cap_names(missing, sizeof(missing), need & ~*have);
		text_err(
			err,
			"missing %s: vpnd needs CAP_SETUID and CAP_SETGID to start the network "
			"child as its user and CAP_KILL to stop it (a unit's CapabilityBoundingSet "
			"must keep them)",
			missing);
		return -EPERM;
	}
	return 0;
}

int drop_check(const char *child_user, char err[ERR_LEN])
{
	uint32_t have, eff;
	uid_t uid;
	gid_t gid;
	int ret;

	if ((ret = drop_child_user(child_user, &uid, &gid, err)) < 0)
		return ret;
	return caps_held(&have, &eff, err);
}

int drop_monitor(char err[ERR_LEN])
{
	uint32_t have, eff, keep;
	bool root = geteuid() == 0;
	int ret;

	if ((ret = caps_held(&have, &eff, err)) < 0)
		return ret;
	keep = CHILD_CAPS | (have & CAP(CAP_NET_ADMIN));
	if (root) {
		/* All four uids and gids 0, whatever started it: a real uid
		 * left to a user would let that user signal the monitor. */
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			goto fail_errno;
		/* NOROOT: executing anything as uid 0 grants nothing. The
		 * monitor never changes its own uids, so the kernel's fixup
		 * stays on, locked: the forked child's setresuid away from 0
		 * clears every capability even before it drops them itself. */
		if (prctl(PR_SET_SECUREBITS,
			  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
				  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
				  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
			  0, 0, 0) < 0)
			goto fail_errno;
	}
	if ((ret = caps_bound(keep)) < 0 && (root || ret != -EPERM)) {
		text_err(err, "cannot narrow the bounding set: %s", strerror(-ret));
		return ret;
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if ((ret = caps_set(keep, keep & CAP(CAP_NET_ADMIN))) < 0) {
		text_err(err, "cannot drop capabilities: %s", strerror(-ret));
		return ret;
	}
	/* Key material: no core file, no ptrace by other uid-0 processes
	 * without CAP_SYS_PTRACE. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail_errno;
	return 0;
fail_errno:
	ret = -errno;
	text_err(err, "cannot drop privileges: %s", strerror(errno));
	return ret;
}

int drop_kill_child(pid_t pid)
{
	uint32_t have, eff;
	int ret = 0;
	bool raised;

	raised = caps_get(&have, &eff) == 0 && (have & CAP(CAP_KILL)) != 0 &&
		 caps_set(have, eff | CAP(CAP_KILL)) == 0;
	if (kill(pid, SIGKILL) < 0)
		ret = -errno;
	if (raised)
		caps_set(have, eff);
	return ret;
}

int drop_to_child(uid_t uid, gid_t gid)
{
	uint32_t have, eff;
	uid_t r, e, s;
	gid_t rg, eg, sg;

	/* The forked copy of the monitor, a moment before the exec: the two
	 * capabilities into effect for the change of ids, then none at all. */
	if (caps_get(&have, &eff) < 0 ||
	    caps_set(have, eff | (have & (CAP(CAP_SETUID) | CAP(CAP_SETGID)))) < 0)
		return -EPERM;
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	if (caps_set(0, 0) < 0)
		return -EPERM;
	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0 || r != uid || e != uid ||
	    s != uid || rg != gid || eg != gid || sg != gid || uid == 0)
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

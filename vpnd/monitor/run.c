/* SPDX-License-Identifier: ISC */
/*
 * vpnd run: load, fail closed, serve. The order at start is the promise
 * of fail-closed: sessions are read (those over, or of another boot, are
 * dropped), the kernel's table is checked (or installed) and its sets made
 * the live sessions, the peers on the interface without a live session are
 * removed, and only then is the interface configured and the control
 * socket opened. Stopping leaves the table: the wall outlives vpnd.
 *
 * The top of the monitor's layers (daemon.h): it makes the daemon's state,
 * hands it to every module below, and takes it apart at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "monitor/metrics.h"
#include "monitor/actport.h"
#include "monitor/audit.h"
#include "monitor/run.h"
#include "config.h"
#include "base/log.h"
#include "monitor/control.h"
#include "monitor/daemon.h"
#include "monitor/dbstore.h"
#include "store/pgstore.h"
#include "monitor/drop.h"
#include "monitor/ends.h"
#include "monitor/fwgate.h"
#include "monitor/gate.h"
#include "monitor/iface.h"
#include "monitor/lockout.h"
#include "monitor/mailtab.h"
#include "monitor/notify.h"
#include "monitor/privsep.h"
#include "monitor/storesync.h"
#include "monitor/verify.h"
#include "monitor/web.h"
#include "state/session_file.h"

/* Ends the sessions the registry no longer allows: peer gone, disabled,
 * or re-keyed. Before the interface is touched (live false) they are only
 * dropped; reconciling then removes their peers. */
static void prune_sessions(struct vpnd *d, bool live)
{
	for (size_t i = 0; i < d->sessions.n;) {
		struct session *s = d->sessions.heap[i];
		const struct reg_peer *p = registry_peer_find(d->reg, s->name);

		if (p != NULL && !p->disabled && p->has_key && key_equal(p->key, s->key) &&
		    (live || gate_session_local(d, s) > 0)) {
			i++;
			continue;
		}
		if (live) {
			gate_session_end(d, s, "registry-changed", "vpnd");
		} else {
			session_remove(&d->sessions, s);
			audit_event("session-end", "peer", s->name, "owner", s->owner, "reason",
				    "registry-changed", "by", "vpnd", NULL);
			session_free(&s);
		}
	}
}

static int load_registry(struct vpnd *d, struct registry **out, const struct conf *c)
{
	char err[ERR_LEN];
	int ret;

	if ((ret = registry_create(out, c->state_dir)) < 0)
		return ret;
	registry_set_networks(*out, c->addresses, c->n_addresses);
	/* A shared store is the truth: its registry goes into the files
	 * first. Without it the gateway knows no peer (fail closed): the
	 * files may be older than a revocation on another gateway. */
	if (d->store != NULL && dbstore_pull(d->store, c->state_dir, err) < 0) {
		log_error("%s", err);
		registry_destroy(out);
		return -ENOTCONN;
	}
	if ((ret = registry_load(*out, err)) < 0) {
		log_error("corrupt registry, refusing it: %s", err);
		registry_destroy(out);
		return ret;
	}
	/* What the load filled in (dual-stack addresses) or repaired: to the store. */
	if (d->store != NULL && ((*out)->filled > 0 || (*out)->repaired != 0) &&
	    dbstore_push(d->store, *out, err) < 0)
		log_warn("%s", err);
	/* Expired codes are kept a week past their expiry (hashed, useless):
	 * their user then hears "expired", not "unknown or already used". */
	registry_codes_purge(*out, clock_wall() - 7 * 24 * 3600);
	return 0;
}

/* 0, or -EINVAL when the file was corrupt and every session ends. */
static int load_sessions(struct vpnd *d)
{
	char err[ERR_LEN], bad[PATH_MAX + 64];
	size_t dropped = 0;
	int ret;

	ret = session_file_load(&d->sessions, d->sessions_path, d->boot_id, clock_boot_ns(),
				&dropped, err);
	if (ret < 0) {
		/* Unreadable sessions: all end, which is the safe side. */
		session_finish(&d->sessions);
		session_init(&d->sessions);
		snprintf(bad, sizeof(bad), "%s.corrupt", d->sessions_path);
		rename(d->sessions_path, bad);
		log_error("%s; all sessions end (the file is kept as %s)", err, bad);
		audit_event("sessions-corrupt", "file", d->sessions_path, NULL);
		ret = -EINVAL;
	}
	if (dropped > 0) {
		char n[24];

		snprintf(n, sizeof(n), "%zu", dropped);
		log_info("%zu saved sessions are over (window ended or host rebooted)", dropped);
		audit_event("sessions-ended-while-down", "count", n, NULL);
	}
	return ret < 0 ? -EINVAL : 0;
}

/* Replays the journal over the files just read: refused when it is
 * corrupt (the admin looks at it: docs/registry.md). */
static int load_journal(struct vpnd *d, struct registry *reg, struct sessions *ss)
{
	struct journal_stats st;
	char err[ERR_LEN], n[24];
	int ret;

	ret = journal_load(&d->journal, reg, ss, d->boot_id, clock_boot_ns(), &st, err);
	if (ret < 0) {
		log_error("corrupt journal, refusing it: %s", err);
		return ret;
	}
	if (st.torn != 0) {
		snprintf(n, sizeof(n), "%jd", (intmax_t)st.good);
		log_warn("%s: the last record was cut short (a crash while writing it); "
			 "dropped, the journal is whole up to offset %s",
			 d->journal.path, n);
		audit_event("journal-torn", "file", d->journal.path, "offset", n, NULL);
	}
	log_debug("%zu of %zu journal records applied", st.applied, st.records);
	return 0;
}

static void reload(struct vpnd *d)
{
	struct conf c;
	struct registry *reg = NULL;
	char err[ERR_LEN];

	if (conf_load(&c, d->conf_path, err) < 0) {
		log_error("reload: %s; keeping the running configuration", err);
		return;
	}
	if (strcmp(c.ifname, d->conf.ifname) != 0 || strcmp(c.state_dir, d->conf.state_dir) != 0 ||
	    strcmp(c.control_socket, d->conf.control_socket) != 0) {
		log_warn("reload: Name, StateDirectory and ControlSocket change only with a "
			 "restart; keeping the old ones");
		strcpy(c.ifname, d->conf.ifname);
		strcpy(c.state_dir, d->conf.state_dir);
		strcpy(c.control_socket, d->conf.control_socket);
	}
	if (c.n_fw_ports != d->conf.n_fw_ports || c.fw_enforce != d->conf.fw_enforce ||
	    memcmp(c.fw_ports, d->conf.fw_ports, sizeof(c.fw_ports)) != 0) {
		/* The table was built from them at start (fwgate.h). */
		log_warn("reload: [Firewall] changes only with a restart; keeping the old one");
		memcpy(c.fw_ports, d->conf.fw_ports, sizeof(c.fw_ports));
		c.n_fw_ports = d->conf.n_fw_ports;
		c.fw_enforce = d->conf.fw_enforce;
	}
	/* The files may be behind the journal's counters (compacted only
	 * now and then): they are replayed over what the admin wrote. */
	if (load_registry(d, &reg, &c) < 0 || load_journal(d, reg, NULL) < 0) {
		log_error("reload: keeping the running registry and configuration");
		registry_destroy(&reg);
		conf_finish(&c);
		return;
	}
	conf_finish(&d->conf);
	d->conf = c;
	registry_destroy(&d->reg);
	d->reg = reg;
	int aret = audit_open(d->conf.audit_log);

	if (aret < 0)
		log_warn("cannot open the audit log %s: %s%s", d->conf.audit_log, strerror(-aret),
			 audit_hint(aret));
	prune_sessions(d, true);
	/* [Mail]'s listeners stay as at start; its domains and trusted
	 * networks, and the owners' logins, go to the child now. */
	mailtab_changed(d->mailtab);
	if (d->conf.web.enabled && privsep_web_reload(d->privsep) < 0)
		log_warn("reload: the web page keeps its old certificate");
	audit_event("reload", "config", d->conf_path, NULL);
	log_info("reloaded %s and the registry (%zu peers)", d->conf_path, d->reg->n_peers);
}

/* [Store] Type = postgresql: connected before the registry is read. A
 * store that does not answer is no reason not to start: the gateway
 * starts with no peer, says why, and catches up when it is back. */
static int open_store(struct vpnd *d)
{
	char err[ERR_LEN];
	int ret;

	if (d->conf.store.type != STORE_POSTGRESQL)
		return 0;
	ret = dbstore_open(&d->store, &d->conf, err);
	if (ret < 0) {
		log_error("%s", err);
		return ret;
	}
	if (!dbstore_online(d->store))
		log_error("store unavailable: %s; starting fail-closed: no peer is on and no "
			  "activation is granted until it is back",
			  dbstore_why(d->store));
	return 0;
}

/* Four times a second: what the other gateways changed (the change log's
 * NOTIFYs, read without blocking), applied here within a second; while
 * the store is down, a reconnect each second, and once it is back a full
 * resync: what changed here first, then the store's registry and
 * sessions replace what this gateway knew. */
static int store_timer_cb(int fd, uint32_t events, void *data)
{
	struct vpnd *d = data;
	unsigned kinds = 0;
	uint64_t exp;

	if (read(fd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
		log_debug("store timer: %s", strerror(errno));
	if (dbstore_online(d->store))
		kinds = dbstore_poll(d->store);
	else if (dbstore_reconnect(d->store, (int64_t)(clock_boot_ns() / NS_PER_SEC))) {
		char err[ERR_LEN];

		dbstore_flush(d->store, &d->sessions);
		if (dbstore_push(d->store, d->reg, err) < 0)
			log_warn("%s", err);
		kinds = PGSTORE_CHANGED_REGISTRY | PGSTORE_CHANGED_SESSIONS;
	}
	if (kinds & PGSTORE_CHANGED_REGISTRY) {
		reload(d);
		storesync_revoked(d);
	}
	if ((kinds & (PGSTORE_CHANGED_REGISTRY | PGSTORE_CHANGED_SESSIONS)) &&
	    dbstore_online(d->store))
		storesync_sessions(d);
	storesync_lockouts(d, kinds);
	loop_timer_set(d->store_timer, clock_boot_ns() + NS_PER_SEC / 4);
	return 0;
}

static int signal_cb(int fd, uint32_t events, void *data)
{
	struct vpnd *d = data;
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		notify_reloading(d->notify);
		reload(d);
		notify_ready(d->notify);
	} else {
		d->quit = true;
	}
	return 0;
}

static int start(struct vpnd *d)
{
	char err[ERR_LEN];
	struct stat st;
	sigset_t set;
	int ret;

	if (conf_load(&d->conf, d->conf_path, err) < 0 ||
	    conf_private_key(&d->conf, d->private_key, err) < 0) {
		log_error("%s", err);
		return -EINVAL;
	}
	if (key_public(d->public_key, d->private_key) < 0) {
		log_error("the private key in %s is not usable", d->conf_path);
		return -EINVAL;
	}
	/* Refused before anything is touched: the network child's user, the
	 * capabilities to start it as that user (docs/privsep.md). */
	if (drop_check(d->conf.child_user, err) < 0) {
		log_error("%s", err);
		return -EINVAL;
	}
	if (clock_boot_id(d->boot_id) < 0) {
		log_error("cannot read the boot id: %s", strerror(errno));
		return -EIO;
	}
	ret = atomicfile_mkdirs(d->conf.state_dir, 0700);
	if (ret < 0) {
		log_error("cannot make %s: %s", d->conf.state_dir, strerror(-ret));
		return ret;
	}
	if (stat(d->conf.state_dir, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("%s is readable by others (mode %04o); it should be 0700",
			 d->conf.state_dir, (unsigned)(st.st_mode & 07777));
	/* One vpnd per state directory, known before anything is read or
	 * written: a second one would compact the journal under the first. */
	d->state_lock = open(d->conf.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->state_lock < 0 || flock(d->state_lock, LOCK_EX | LOCK_NB) < 0) {
		ret = -errno;
		if (ret == -EWOULDBLOCK)
			log_error("another vpnd is running on %s", d->conf.state_dir);
		else
			log_error("cannot lock %s: %s", d->conf.state_dir, strerror(-ret));
		return ret;
	}
	snprintf(d->sessions_path, sizeof(d->sessions_path), "%s/sessions", d->conf.state_dir);
	journal_init(&d->journal, d->conf.state_dir, d->boot_id);
	if ((ret = open_store(d)) < 0)
		return ret;
	ret = load_registry(d, &d->reg, &d->conf);
	if (ret == -ENOTCONN) {
		/* The store down at start: no peer at all, until it is back. */
		if ((ret = registry_create(&d->reg, d->conf.state_dir)) < 0)
			return ret;
		registry_set_networks(d->reg, d->conf.addresses, d->conf.n_addresses);
	} else if (ret < 0)
		return -EINVAL;
	if ((ret = audit_open(d->conf.audit_log)) < 0) {
		log_error("cannot open the audit log %s: %s%s", d->conf.audit_log, strerror(-ret),
			  audit_hint(ret));
		return ret;
	}
	/* After a corrupt sessions file every session ends: the journal's
	 * too, only its counters count. */
	ret = load_sessions(d);
	if (load_journal(d, d->reg, ret < 0 ? NULL : &d->sessions) < 0)
		return -EINVAL;
	prune_sessions(d, false);
	if ((ret = loop_create(&d->loop)) < 0)
		return ret;
	d->timer = loop_add_timer(d->loop, CLOCK_BOOTTIME, gate_timer_cb, d);
	if (d->timer == NULL)
		return -errno;
	/* Fail closed before anything else: the kernel's wall first (it
	 * holds even if vpnd dies a moment later), then the interface. */
	if ((ret = fwgate_start(d)) < 0 || (ret = iface_reconcile(d)) < 0 ||
	    (ret = iface_setup(d)) < 0 || (ret = gate_restore(d)) < 0)
		return ret;
	/* What the journal added goes into the files, and it starts afresh
	 * (a state directory that cannot be written shows at the first
	 * activation, which is then refused). */
	gate_compact(d);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	d->signals = loop_add_signals(d->loop, &set, signal_cb, d);
	if (d->signals == NULL)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	/* The activation port's state, and its socket, bound while vpnd may
	 * still bind a port below 1024. */
	if ((ret = actport_open(&d->actport, d)) < 0 || (ret = ends_create(&d->ends)) < 0 ||
	    (ret = lockout_create(&d->lockout)) < 0 ||
	    (ret = verify_create(&d->verify, d->conf.activation_rate)) < 0 ||
	    (ret = web_create(&d->web)) < 0 || (ret = mailtab_open(&d->mailtab, d)) < 0 ||
	    (ret = privsep_open(&d->privsep, d)) < 0)
		return ret;
	if ((ret = control_open(d)) < 0)
		return ret;
	/* Everything that needed root is done: from here on CAP_NET_ADMIN
	 * only, and the network child (docs/privsep.md). */
	if ((ret = privsep_start(d->privsep)) < 0 || (ret = metrics_start(d)) < 0)
		return ret;
	gate_schedule(d);
	if (d->store != NULL) {
		d->store_timer = loop_add_timer(d->loop, CLOCK_BOOTTIME, store_timer_cb, d);
		if (d->store_timer == NULL)
			return -errno;
		loop_timer_set(d->store_timer, clock_boot_ns() + NS_PER_SEC / 4);
	}
	d->started_wall = clock_wall();
	/* Loading and restoring at size leave freed heap behind: give it
	 * back, vpnd may run for months. */
	malloc_trim(0);
	/* Only now does systemd take vpnd for started: reconciled, serving. */
	if ((ret = notify_create(&d->notify, d->loop)) < 0)
		return ret;
	notify_ready(d->notify);
	return 0;
}

static void stop(struct vpnd *d)
{
	control_close(d);
	metrics_stop(d);
	privsep_close(&d->privsep);
	mailtab_close(&d->mailtab);
	actport_close(&d->actport);
	verify_destroy(&d->verify);
	web_destroy(&d->web);
	lockout_destroy(&d->lockout);
	if (d->reg != NULL)
		gate_compact(d);
	notify_destroy(&d->notify, d->loop);
	/* The table stays: windows keep ending in the kernel. */
	fwgate_stop(d);
	loop_destroy(&d->loop);
	registry_destroy(&d->reg);
	dbstore_close(&d->store);
	session_finish(&d->sessions);
	journal_finish(&d->journal);
	if (d->state_lock >= 0)
		close(d->state_lock);
	conf_finish(&d->conf);
	ends_destroy(&d->ends);
	audit_close();
	sodium_memzero(d->private_key, sizeof(d->private_key));
}

int run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct vpnd *d = calloc(1, sizeof(*d));
	const char *conf = VPND_DEFAULT_CONF;
	int c, ret;

	if (d == NULL)
		return 1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'v':
			log_init("vpnd", LOGL_DEBUG);
			break;
		case 'h':
			printf("Usage: vpnd run [-c CONF] [-v]\n\n"
			       "Runs the gateway in the foreground; logs and audit lines go to "
			       "stderr.\nSIGTERM ends it, SIGHUP reloads CONF and the registry.\n");
			free(d);
			return 0;
		default:
			free(d);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vpnd run: unexpected argument '%s'\n", argv[optind]);
		free(d);
		return 2;
	}
	snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf);
	d->state_lock = -1;
	session_init(&d->sessions);
	ret = start(d);
	if (ret == 0) {
		key_b64_t pk;

		key_to_base64(pk, d->public_key);
		log_info("serving %s (public key %s), %zu peers, %zu live sessions, control "
			 "socket %s",
			 d->conf.ifname, pk, d->reg->n_peers, d->sessions.n,
			 d->conf.control_socket);
		audit_event("start", "interface", d->conf.ifname, NULL);
		while (!d->quit && (ret = loop_dispatch(d->loop, -1)) == 0)
			;
		notify_stopping(d->notify);
		audit_event("stop", "interface", d->conf.ifname, NULL);
	}
	stop(d);
	free(d);
	return ret == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: ISC */
/*
 * The interface side of sessions: peers go on the interface when a session
 * opens and come off when it ends; one timer fires at the earliest
 * deadline. Order matters for failing closed:
 *  - ending by command: the sessions file is written first, then the peer
 *    goes, so a crash in between cannot bring a killed session back;
 *  - expiry: the peer goes first (the deadline is on disk already).
 * When WireGuard refuses a removal the session is over all the same; the
 * timer then sweeps the interface every second (iface_reconcile) until
 * every peer without a session is gone.
 *
 * The second wall (fwgate.h) moves with the first: an opening puts the
 * session's address in the kernel's window set before the peer goes on
 * the interface, and is refused when the set cannot take it; an ending
 * takes it out before the peer comes off. Idleness is the kernel's: at a
 * session's idle deadline vpnd asks the idle set (every tunnel packet
 * refreshes it), and only without a table does it read WireGuard's
 * handshakes instead.
 *
 * Below ops.c and the control handlers; above fwgate.c, iface.c and ends.c.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "monitor/audit.h"
#include "base/duration.h"
#include "base/log.h"
#include "monitor/ends.h"
#include "monitor/fwgate.h"
#include "monitor/dbstore.h"
#include "monitor/gate.h"
#include "monitor/iface.h"
#include "monitor/mailtab.h"
#include "state/journal.h"
#include "state/session_file.h"
#include "wg/wg.h"
#include "wg/wgipc.h"

struct wg_peer *gate_peer_for_session(const struct vpnd *d, const struct session *s, bool remove)
{
	const struct reg_peer *rp;
	struct wg_peer *p = calloc(1, sizeof(*p));
	struct wg_allowedip *a;

	if (p == NULL)
		return NULL;
	memcpy(p->public_key, s->key, KEY_LEN);
	if (remove) {
		p->flags = WGPEER_REMOVE_ME;
		return p;
	}
	/* Its AllowedIPs: each of its tunnel addresses as a host, /32 and
	 * /128, built from the end so the list keeps their order. */
	for (int i = s->n_addrs; i-- > 0;) {
		const struct ipaddr *ad = &s->addrs[i];

		a = calloc(1, sizeof(*a));
		if (a == NULL) {
			wg_peer_free(&p);
			return NULL;
		}
		a->family = ad->family;
		memcpy(&a->ip6, ad->bytes, ad->family == AF_INET ? 4 : 16);
		a->cidr = ad->family == AF_INET ? 32 : 128;
		a->next = p->allowedips;
		p->allowedips = a;
	}
	p->flags = WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_PRESHARED_KEY;
	if (s->has_psk)
		memcpy(p->preshared_key, s->psk, KEY_LEN);
	/* Keeps a phone's carrier NAT open toward it, so mail pushed to an
	 * idle phone (IMAP IDLE) still arrives. */
	rp = registry_peer_find(d->reg, s->name);
	if (rp != NULL && gate_peer_keepalive(rp) > 0) {
		p->keepalive = (uint16_t)gate_peer_keepalive(rp);
		p->flags |= WGPEER_HAS_KEEPALIVE;
	}
	return p;
}

int gate_apply_peers(struct vpnd *d, struct wg_peer *list, char err[ERR_LEN])
{
	struct wg_device dev = {0};
	int ret;

	if (list == NULL)
		return 0;
	strcpy(dev.name, d->conf.ifname);
	dev.peers = list;
	ret = wgipc_set_device(&dev, err);
	if (ret < 0)
		log_error("cannot update peers on %s: %s", d->conf.ifname, err);
	while (list != NULL) {
		struct wg_peer *next = list->next;

		wg_peer_free(&list);
		list = next;
	}
	return ret;
}

int gate_save_sessions(struct vpnd *d)
{
	int ret;

	/* Every session record numbered so far is in memory, so in the
	 * file: the journal's are replayed over it only when newer. */
	d->sessions.journal_seq = d->journal.seq;
	ret = session_file_save(&d->sessions, d->sessions_path, d->boot_id);
	if (ret < 0)
		log_error("cannot write %s: %s", d->sessions_path, strerror(-ret));
	return ret;
}

int gate_compact(struct vpnd *d)
{
	char err[ERR_LEN];
	int ret;

	/* Not over a journal that was refused: its records would be lost,
	 * and the sessions file would claim to hold them. */
	if (!d->journal.loaded)
		return -EAGAIN;
	if ((ret = journal_commit(&d->journal)) < 0 || (ret = daemon_save_registry(d, err)) < 0 ||
	    (ret = gate_save_sessions(d)) < 0)
		return ret;
	ret = journal_reset(&d->journal);
	if (ret < 0)
		log_error("cannot start %s afresh: %s", d->journal.path, strerror(-ret));
	return ret;
}

/* Undoes session_open: the session as it was before (extended), or none. */
static void session_undo(struct vpnd *d, struct session *s, const struct session *before)
{
	session_remove(&d->sessions, s);
	if (before != NULL) {
		*s = *before;
		if (session_insert(&d->sessions, s) == 0)
			return;
	}
	session_free(&s);
}

void gate_schedule(struct vpnd *d)
{
	uint64_t next = session_next_deadline(&d->sessions);

	if (d->sweep && next > clock_boot_ns() + NS_PER_SEC)
		next = clock_boot_ns() + NS_PER_SEC;

	/* timerfd treats 0 as disarm; a deadline in the past fires at once. */
	loop_timer_set(d->timer, next == SESSION_NEVER ? 0 : (next == 0 ? 1 : next));
}

uint64_t gate_peer_window(const struct vpnd *d, const struct reg_peer *p)
{
	if (p->window != REG_INHERIT)
		return (uint64_t)p->window;
	if (p->owner->window != REG_INHERIT)
		return (uint64_t)p->owner->window;
	return d->conf.window;
}

uint64_t gate_peer_idle(const struct vpnd *d, const struct reg_peer *p)
{
	if (p->idle != REG_INHERIT)
		return (uint64_t)p->idle;
	if (p->owner->idle != REG_INHERIT)
		return (uint64_t)p->owner->idle;
	/* A phone in a pocket sends nothing for hours while its apps sleep,
	 * and WireGuard's keepalives never reach the interface's counters:
	 * an idle timeout would end its session long before the window. */
	if (p->kind == REG_MOBILE)
		return 0;
	return d->conf.idle;
}

unsigned gate_peer_keepalive(const struct reg_peer *p)
{
	if (p->keepalive != REG_INHERIT)
		return (unsigned)p->keepalive;
	return p->kind == REG_MOBILE ? GATE_MOBILE_KEEPALIVE : 0;
}

static void audit_end(struct vpnd *d, const struct session *s, const char *reason, const char *by)
{
	ends_note(d->ends, s->name, reason, s->idle_ns / NS_PER_SEC, s->until_wall);
	audit_event("session-end", "peer", s->name, "owner", s->owner, "reason", reason, "by", by,
		    NULL);
}

/* The addresses inside this gateway's tunnel networks: a peer may carry
 * one of a family this interface has not (a store shared with a
 * dual-stack gateway, an IPv6 network taken out of vpnd.conf); it is not
 * routed here, and the firewall would refuse the whole session for it. */
static int local_addrs(const struct vpnd *d, const struct ipaddr *in, int n, struct ipaddr *out)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < d->conf.n_addresses; j++)
			if (d->conf.addresses[j].family == in[i].family &&
			    ipaddr_in_net(&in[i], &d->conf.addresses[j]) && k < SESSION_ADDRS_MAX) {
				out[k++] = in[i];
				break;
			}
	return k;
}

int gate_session_local(const struct vpnd *d, struct session *s)
{
	/* In place: an address only ever moves down. */
	return s->n_addrs = (uint8_t)local_addrs(d, s->addrs, s->n_addrs, s->addrs);
}

int gate_session_open_begin(struct vpnd *d, struct reg_peer *p, struct gate_pending *g,
			    const struct gate_open *o, char err[ERR_LEN])
{
	struct session_req req = {
		.name = p->name,
		.owner = p->owner->name,
		.key = p->key,
		.psk = o->psk != NULL ? o->psk : p->psk,
		.window_ns = (o->window != 0 ? o->window : gate_peer_window(d, p)) * NS_PER_SEC,
		.idle_ns = gate_peer_idle(d, p) * NS_PER_SEC,
		.by = o->by,
	};
	struct session *old = session_find(&d->sessions, p->name);
	struct ipaddr all[REG_ADDRS_MAX];
	int ret;

	memset(g, 0, sizeof(*g));
	req.n_addrs = local_addrs(d, all, registry_addr_list(p, all), req.addrs);
	g->now = clock_boot_ns();
	g->window_ns = req.window_ns;
	if (old != NULL) {
		g->before = *old;
		g->had = true;
	}
	if (p->disabled) {
		text_err(err, "peer '%s' is disabled", p->name);
		return -EPERM;
	}
	if (!p->has_key) {
		text_err(err, "peer '%s' has no public key yet: it has not enrolled", p->name);
		return -ENOKEY;
	}
	if (req.n_addrs == 0) {
		text_err(err, "peer '%s' has no address in this gateway's tunnel networks",
			 p->name);
		return -EADDRNOTAVAIL;
	}
	ret = session_open(&d->sessions, &req, g->now, clock_wall(), &g->s, &g->extended);
	if (ret < 0) {
		text_err(err, "cannot open a session for '%s': %s", p->name,
			 ret == -EEXIST ? "another session has its key" : strerror(-ret));
		return ret;
	}
	/* On disk before on the interface: a crash in between finds the
	 * session at start and puts the peer back, or finds it over. */
	g->had = g->had && g->extended && old == g->s;
	journal_session(&d->journal, g->s);
	return 0;
}

int gate_session_open_finish(struct vpnd *d, struct gate_pending *g, struct gate_open *o,
			     int committed, struct session **out, char err[ERR_LEN])
{
	struct session *s = g->s;
	char until[32], window[24], uid[16], wgerr[ERR_LEN];
	int ret;

	if (committed < 0) {
		text_err(err, "cannot write %s: %s", d->journal.path, strerror(-committed));
		session_undo(d, s, g->had ? &g->before : NULL);
		sodium_memzero(&g->before, sizeof(g->before));
		o->not_saved = true;
		return committed;
	}
	sodium_memzero(&g->before, sizeof(g->before));
	if (journal_full(&d->journal))
		gate_compact(d);
	/* The kernel's window set before the peer: an open that cannot
	 * reach it is refused, and the peer stays off. */
	ret = fwgate_add(d, s, g->now, wgerr);
	if (ret < 0)
		text_err(err, "cannot open the kernel wall for '%s': %s", s->name, wgerr);
	else if ((ret = gate_apply_peers(d, gate_peer_for_session(d, s, false), wgerr)) < 0)
		text_err(err, "cannot put peer '%s' on %s: %s", s->name, d->conf.ifname, wgerr);
	if (ret < 0) {
		log_error("%s", err);
		/* An extension that fails ends the live session (fail closed):
		 * its end is audited as every other end is. */
		if (g->extended)
			audit_end(d, s, "error", o->by);
		fwgate_del(d, s->addrs, s->n_addrs);
		session_remove(&d->sessions, s);
		session_free(&s);
		gate_save_sessions(d);
		mailtab_changed(d->mailtab);
		d->sweep = true; /* in case the peer went on before the error */
		gate_schedule(d);
		return ret;
	}
	clock_format_utc(until, sizeof(until), s->until_wall);
	duration_format(window, sizeof(window), g->window_ns / NS_PER_SEC);
	snprintf(uid, sizeof(uid), "%d", (int)o->uid);
	audit_event(g->extended ? "session-extend" : "session-open", "peer", s->name, "owner",
		    s->owner, "by", o->by, "uid", uid, "window", window, "until", until, NULL);
	mailtab_changed(d->mailtab);
	if (d->store != NULL && !o->from_store)
		dbstore_session_put(d->store, s);
	gate_schedule(d);
	if (out != NULL)
		*out = s;
	return 0;
}

int gate_session_open(struct vpnd *d, struct reg_peer *p, struct gate_open *o, struct session **out,
		      char err[ERR_LEN])
{
	struct gate_pending g;
	int ret = gate_session_open_begin(d, p, &g, o, err);

	if (ret < 0)
		return ret;
	return gate_session_open_finish(d, &g, o, journal_commit(&d->journal), out, err);
}

int gate_session_end(struct vpnd *d, struct session *s, const char *reason, const char *by)
{
	struct wg_peer *rm = gate_peer_for_session(d, s, true);
	char err[ERR_LEN];
	int ret;

	session_remove(&d->sessions, s);
	gate_save_sessions(d);
	if (d->store != NULL && strcmp(by, GATE_BY_STORE) != 0)
		dbstore_session_end(d->store, s->name);
	fwgate_del(d, s->addrs, s->n_addrs);
	mailtab_changed(d->mailtab);
	ret = gate_apply_peers(d, rm, err);
	if (ret < 0)
		d->sweep = true;
	audit_end(d, s, reason, by);
	session_free(&s);
	gate_schedule(d);
	return ret;
}

/* Reads the interface once and takes every session's newest handshake. */
static void refresh_handshakes(struct vpnd *d, uint64_t now)
{
	struct wg_device *dev = NULL;
	struct timespec wall;
	char err[ERR_LEN];

	if (wgipc_get_device(&dev, d->conf.ifname, err) < 0) {
		/* Unmeasurable means idle: failing closed. */
		log_warn("cannot read %s for handshakes: %s", d->conf.ifname, err);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &wall);
	for (struct wg_peer *p = dev->peers; p != NULL; p = p->next) {
		struct session *s = session_find_key(&d->sessions, p->public_key);

		if (s != NULL)
			session_note_handshake(&d->sessions, s, &p->last_handshake, now, &wall);
	}
	wg_device_free(&dev);
}

struct ended {
	struct session *s;
	bool idle;
};

/* An idle deadline came due: is the session idle? 1 yes, 0 no (its
 * deadline moved on). The kernel's idle set says, when there is one; else,
 * or when it cannot be asked, WireGuard's handshakes (read once a round:
 * *refreshed). -EAGAIN: handshakes just read, look at the session again. */
static int idle_due(struct vpnd *d, struct session *s, uint64_t now, bool *refreshed)
{
	uint64_t left;
	int ret = fwgate_idle_left(d, s, &left);

	if (ret == 1 && left > 0) {
		session_note_active(&d->sessions, s,
				    left >= s->idle_ns ? now : now + left - s->idle_ns);
		return 0;
	}
	if (ret >= 0)
		return 1;
	if (d->fw != NULL)
		log_warn("cannot ask the kernel whether '%s' is idle: %s; using handshakes",
			 s->name, strerror(-ret));
	if (*refreshed)
		return 1;
	/* Idle by what we knew: ask WireGuard once, for all. */
	refresh_handshakes(d, now);
	*refreshed = true;
	return -EAGAIN;
}

int gate_timer_cb(int fd, uint32_t events, void *data)
{
	struct vpnd *d = data;
	struct ended *ended = NULL;
	struct ipaddr *addrs = NULL;
	struct wg_peer *rm = NULL;
	struct session *s;
	uint64_t ticks, now = clock_boot_ns();
	bool refreshed = false;
	size_t n = 0, n_addrs = 0, cap = 0;
	char err[ERR_LEN];

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	if (d->sweep && iface_reconcile(d) == 0) {
		d->sweep = false;
		log_info("%s: peers of ended sessions removed on retry", d->conf.ifname);
	}
	while ((s = session_first(&d->sessions)) != NULL && session_deadline(s) <= now) {
		struct wg_peer *p;

		if (!session_window_over(s, now) && idle_due(d, s, now, &refreshed) != 1)
			continue;
		if (n == cap) {
			size_t c = cap != 0 ? cap * 2 : 16;
			struct ended *e = realloc(ended, c * sizeof(*e));
			struct ipaddr *a =
				e != NULL ? realloc(addrs, c * SESSION_ADDRS_MAX * sizeof(*a))
					  : NULL;

			if (e != NULL)
				ended = e;
			if (a == NULL)
				break; /* the rest on the next round */
			addrs = a;
			cap = c;
		}
		session_remove(&d->sessions, s);
		memcpy(addrs + n_addrs, s->addrs, s->n_addrs * sizeof(*addrs));
		n_addrs += s->n_addrs;
		ended[n].s = s;
		ended[n++].idle = !session_window_over(s, now);
		p = gate_peer_for_session(d, s, true);
		if (p != NULL) {
			p->next = rm;
			rm = p;
		}
	}
	if (n > 0) {
		if (gate_apply_peers(d, rm, err) < 0)
			d->sweep = true;
		/* Their window elements ran out in the kernel already, or their
		 * idle ones did; the rest (a clock's drift) goes here. */
		fwgate_del(d, addrs, n_addrs);
		mailtab_changed(d->mailtab);
		gate_save_sessions(d);
		for (size_t i = 0; i < n; i++) {
			audit_end(d, ended[i].s, ended[i].idle ? "idle" : "expired", "vpnd");
			session_free(&ended[i].s);
		}
		if (n > 1)
			log_info("%zu sessions ended in %.1f ms", n,
				 (double)(clock_boot_ns() - now) / 1e6);
		if (n > 100)
			malloc_trim(0);
	}
	free(ended);
	free(addrs);
	gate_schedule(d);
	return 0;
}

int gate_restore(struct vpnd *d)
{
	struct wg_peer *list = NULL;
	char err[ERR_LEN];

	for (size_t i = 0; i < d->sessions.n; i++) {
		struct wg_peer *p = gate_peer_for_session(d, d->sessions.heap[i], false);

		if (p == NULL) {
			iface_free_peers(list);
			return -ENOMEM;
		}
		p->next = list;
		list = p;
	}
	return gate_apply_peers(d, list, err);
}

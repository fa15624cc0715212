/* SPDX-License-Identifier: ISC */
/*
 * Sessions on the interface: a session's peer goes on WireGuard when it
 * opens and comes off when it ends; one timer ends them at their deadline.
 * The control handlers and the activation operations open and end
 * sessions only through here.
 */
#ifndef VPND_GATE_H
#define VPND_GATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "monitor/daemon.h"

/* How a session is being opened. */
struct gate_open {
	const char *by;     /* "admin", "key:ID": a token for the audit and the file */
	uid_t uid;          /* for the audit: who asked (admin path), or -1 */
	uint64_t window;    /* seconds; 0: the peer's, owner's or config's window */
	const uint8_t *psk; /* a per-session preshared key (laptops), or NULL: the
			     * peer's static one (mobile) or none */
	bool not_saved;     /* out: refused because the journal could not be written */
	bool from_store;    /* another gateway's session, applied here: not written back */
};

/* Keeps only the session's addresses inside this gateway's tunnel
 * networks (a session saved before an IPv6 network left vpnd.conf):
 * how many are left; with none, the session cannot be on this gateway. */
int gate_session_local(const struct vpnd *d, struct session *s);
/* Opens or extends a session for an enabled peer with a public key:
 * persists it in the journal with whatever else is pending there (one
 * write, one fdatasync), puts it on the interface, audits it, re-arms
 * the timer. When the journal cannot be written nothing changed (the
 * pending records are dropped) and o->not_saved says so. */
int gate_session_open(struct vpnd *d, struct reg_peer *p, struct gate_open *o, struct session **out,
		      char err[ERR_LEN]);
/*
 * The same in two halves, for a group commit: _begin opens the session in
 * memory and leaves its record pending in the journal; the caller then
 * commits the journal (with other openings' records: one write, one
 * fdatasync) and calls _finish with journal_commit's verdict, which puts
 * the peer on the interface, or undoes the opening when the record did
 * not reach the disk (o->not_saved). Halves of several openings are
 * undone in the reverse order of their _begin. _begin's failures change
 * nothing, as gate_session_open's.
 */
struct gate_pending {
	struct session *s;
	struct session before; /* the session before it was extended */
	bool extended, had;
	uint64_t now, window_ns;
};
int gate_session_open_begin(struct vpnd *d, struct reg_peer *p, struct gate_pending *g,
			    const struct gate_open *o, char err[ERR_LEN]);
int gate_session_open_finish(struct vpnd *d, struct gate_pending *g, struct gate_open *o,
			     int committed, struct session **out, char err[ERR_LEN]);
#define GATE_BY_STORE "store"
/* Ends a session at once: persisted first, then off the interface, then
 * audited with the reason ("killed", "disabled", "removed", "revoked") and
 * noted for STATUS (ends.h). With a shared store it ends on every gateway,
 * unless by is GATE_BY_STORE (ended on another one already). */
int gate_session_end(struct vpnd *d, struct session *s, const char *reason, const char *by);
/* The effective window and idle timeout of a peer, in seconds: its own,
 * else its owner's, else (idle) off for a mobile peer, else the config's. */
uint64_t gate_peer_window(const struct vpnd *d, const struct reg_peer *p);
uint64_t gate_peer_idle(const struct vpnd *d, const struct reg_peer *p);
/* The gateway's persistent keepalive toward a peer, seconds (0: none): its
 * own, else GATE_MOBILE_KEEPALIVE for a mobile peer, else none. */
#define GATE_MOBILE_KEEPALIVE 25
unsigned gate_peer_keepalive(const struct reg_peer *p);
/* Re-arms the expiry timer (d->timer) for the earliest deadline. */
void gate_schedule(struct vpnd *d);
/* The timer's callback: ends what is over, sweeps if a removal failed. */
int gate_timer_cb(int fd, uint32_t events, void *data);
/* At start, once the interface is set up: the live sessions' peers on. */
int gate_restore(struct vpnd *d);
/* The whole sessions file, with the journal's number it holds. */
int gate_save_sessions(struct vpnd *d);
/* Compaction: the registry and the sessions file written whole, then the
 * journal started afresh (state/journal.h). 0 or -errno, logged. */
int gate_compact(struct vpnd *d);
struct wg_peer;
/* The WireGuard peer of a session: to add (allowed IP, psk) or to remove. */
struct wg_peer *gate_peer_for_session(const struct vpnd *d, const struct session *s, bool remove);
/* Applies a list of peer changes in one call and frees the list; a failure
 * is logged, and WireGuard's line about it left in err. */
int gate_apply_peers(struct vpnd *d, struct wg_peer *list, char err[ERR_LEN]);

#endif

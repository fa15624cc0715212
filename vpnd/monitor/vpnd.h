/* SPDX-License-Identifier: ISC */
/*
 * The running gateway: what `vpnd run` holds, and the calls its parts
 * (control socket, activation server) make on it. Everything runs in one
 * thread around one event loop (lib/loop.h); another module adds its own
 * sockets with loop_add_fd(d->loop, ...) and opens sessions with
 * vpnd_session_open(), exactly as the admin path does.
 */
#ifndef VPND_VPND_H
#define VPND_VPND_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/clock.h"
#include "gateway/conf.h"
#include "base/keys.h"
#include "monitor/loop.h"
#include "state/registry.h"
#include "state/session.h"
#include "base/text.h"

struct vpnd {
	struct conf conf;
	char conf_path[PATH_MAX];
	char boot_id[BOOT_ID_LEN + 1];
	uint8_t private_key[KEY_LEN];
	uint8_t public_key[KEY_LEN];
	struct registry *reg;
	struct sessions sessions;
	char sessions_path[PATH_MAX + 16];
	struct loop *loop;
	struct loop_source *timer;
	struct loop_source *signals;
	struct loop_source *listener;
	unsigned n_clients;
	bool sweep; /* removing ended peers failed: retry gate_reconcile each second */
	bool quit;
	int64_t started_wall;
	uint64_t refused; /* control requests refused */
};

/* How a session is being opened. */
struct vpnd_open {
	const char *by;     /* "admin", "key:ID": a token for the audit and the file */
	uid_t uid;          /* for the audit: who asked (admin path), or -1 */
	uint64_t window;    /* seconds; 0: the peer's, owner's or config's window */
	const uint8_t *psk; /* a per-session preshared key (laptops), or NULL: the
			     * peer's static one (mobile) or none */
};

/* Opens or extends a session for an enabled peer with a public key: puts
 * it on the interface, persists it, audits it, re-arms the timer. */
int vpnd_session_open(struct vpnd *d, struct reg_peer *p, const struct vpnd_open *o,
		      struct session **out, char err[ERR_LEN]);
/* Ends a session at once: persisted first, then off the interface, then
 * audited with the reason ("killed", "disabled", "removed", "revoked"). */
int vpnd_session_end(struct vpnd *d, struct session *s, const char *reason, const char *by);
/* The effective window and idle timeout of a peer, in seconds. */
uint64_t vpnd_peer_window(const struct vpnd *d, const struct reg_peer *p);
uint64_t vpnd_peer_idle(const struct vpnd *d, const struct reg_peer *p);
/* Re-arms the expiry timer for the earliest deadline. */
void vpnd_schedule(struct vpnd *d);
/* Saves the registry; logs and returns -errno on failure. */
int vpnd_save_registry(struct vpnd *d, char err[ERR_LEN]);

/* gate.c: the interface side of sessions. */
int gate_reconcile(struct vpnd *d); /* at start: remove, then restore */
int gate_setup_interface(struct vpnd *d);
int gate_timer_cb(int fd, uint32_t events, void *data);
int gate_save_sessions(struct vpnd *d);
struct wg_peer;
/* The WireGuard peer of a session: to add (allowed IP, psk) or to remove. */
struct wg_peer *gate_peer_for_session(const struct session *s, bool remove);
/* Applies a list of peer changes in one call and frees the list; a failure
 * is logged, and WireGuard's line about it left in err. */
int gate_apply_peers(struct vpnd *d, struct wg_peer *list, char err[ERR_LEN]);

/* server.c: the control socket. */
int server_open(struct vpnd *d);
void server_close(struct vpnd *d);
/* handlers.c: one request in, the reply out. */
struct ctl_request;
struct strbuf;
void handle_request(struct vpnd *d, const struct ctl_request *req, uid_t uid, pid_t pid,
		    struct strbuf *reply);

#endif

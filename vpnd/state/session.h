/* SPDX-License-Identifier: ISC */
/*
 * Session bookkeeping: which peers are active, until when, and how long
 * since they were last seen. Pure data: vpnd puts peers on the interface
 * and takes them off; this module says when.
 *
 * All deadlines are nanoseconds on CLOCK_BOOTTIME (base/clock.h). A
 * session ends at the earlier of its window end and, when an idle timeout
 * is set, idle time after its last activity (its opening, or the newest
 * WireGuard handshake seen). The next deadline of all sessions comes from
 * a binary heap, so one timer serves any number of sessions.
 */
#ifndef KEYGATE_SESSION_H
#define KEYGATE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/htab.h"
#include "base/ipaddr.h"
#include "base/key.h"
#include "base/text.h"

#define SESSION_BY_LEN    48
#define SESSION_NEVER     UINT64_MAX
#define SESSION_ADDRS_MAX 2 /* IPv4 and IPv6 */

struct session {
	char name[NAME_MAX_LEN + 1];
	char owner[NAME_MAX_LEN + 1];
	uint8_t key[KEY_LEN];
	struct ipaddr addrs[SESSION_ADDRS_MAX]; /* the peer's, one per family */
	uint8_t n_addrs;
	bool has_psk;
	uint8_t psk[KEY_LEN];
	int64_t opened_wall;
	uint64_t until_ns;              /* window end: what counts */
	int64_t until_wall;             /* the same on the wall clock when set: what people see */
	uint64_t idle_ns;               /* 0: no idle timeout */
	uint64_t active_ns;             /* last activity */
	struct timespec seen_handshake; /* as last read from WireGuard */
	char by[SESSION_BY_LEN];        /* who opened it: "admin", "key:ID" */
	size_t heap_index;
};

struct sessions {
	struct htab by_name;
	struct htab by_key;
	struct session **heap;
	size_t n, cap;
	/* The last journal record (state/journal.h) the sessions file holds:
	 * what the journal replays over it is newer. */
	uint64_t journal_seq;
};

/* What opening a session asks for. */
struct session_req {
	const char *name;
	const char *owner;
	const uint8_t *key; /* KEY_LEN */
	struct ipaddr addrs[SESSION_ADDRS_MAX];
	int n_addrs;        /* 1 or 2 */
	const uint8_t *psk; /* KEY_LEN, or NULL for none */
	uint64_t window_ns;
	uint64_t idle_ns;
	const char *by;
};

void session_init(struct sessions *ss);
/* Frees every session. */
void session_finish(struct sessions *ss);

struct session *session_find(const struct sessions *ss, const char *name);
struct session *session_find_key(const struct sessions *ss, const uint8_t key[KEY_LEN]);

/* Opens a session, or extends the one of the same name: its window end
 * becomes the later of the old one and now + window; the opening counts as
 * activity; a new key, address or psk replaces the old. *extended says
 * which happened. 0, -EINVAL or -ENOMEM. */
int session_open(struct sessions *ss, const struct session_req *req, uint64_t now_ns,
		 int64_t now_wall, struct session **out, bool *extended);
/* Takes a session out of the table; the caller frees it with session_free. */
void session_remove(struct sessions *ss, struct session *s);
/* Adds a session read back from disk; -EEXIST for a duplicate name or key. */
int session_insert(struct sessions *ss, struct session *s);
void session_free(struct session **s);

uint64_t session_deadline(const struct session *s);
/* The earliest deadline of all, or SESSION_NEVER. */
uint64_t session_next_deadline(const struct sessions *ss);
/* The session whose deadline comes first, or NULL. */
struct session *session_first(const struct sessions *ss);
/* Does the window (not only the idle timeout) end by now? */
bool session_window_over(const struct session *s, uint64_t now_ns);

/* Takes a handshake time read from WireGuard (wall clock) as activity. A
 * handshake is counted only when it changed since the last read, and never
 * later than now nor earlier than its wall-clock age says, so a clock
 * stepped back cannot make an old handshake look new. */
void session_note_handshake(struct sessions *ss, struct session *s, const struct timespec *hs,
			    uint64_t now_ns, const struct timespec *now_wall);

/* Takes activity measured elsewhere (the kernel's idle set) at at_ns, when
 * later than what is known. */
void session_note_active(struct sessions *ss, struct session *s, uint64_t at_ns);

/* Sessions sorted by name; free the array only. */
int session_sorted(const struct sessions *ss, struct session ***out);

#endif

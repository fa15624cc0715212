/* SPDX-License-Identifier: ISC */
/*
 * enroll, the laptop's client (docs/protocol.md; enroll(1)). One file per
 * subcommand (cli.h); this module (enroll.c) holds the options and the
 * messages they share. The state file, the PIN and the security key have
 * modules of their own (state.h, pin.h, key.h).
 */
#ifndef KEYGATE_ENROLL_H
#define KEYGATE_ENROLL_H

#include <stdint.h>

#include "base/text.h"
#include "key.h"
#include "proto/actclient.h"
#include "proto/proto.h"
#include "state.h"

#define ENROLL_DEFAULT_IF  "wg0"
#define ENROLL_DEFAULT_DIR "/etc/wireguard"

struct enroll_opts {
	const char *ifname;
	const char *dir;         /* --config-dir, for tests; default /etc/wireguard */
	const char *device;      /* --device: NULL for the first one found */
	const char *auth_device; /* add-key: the key already registered */
	int pin_fd;              /* --pin-fd, -1: the terminal */
	int timeout_ms;          /* --timeout: per try */
	int tries;
	const char *peer;    /* status --peer: another peer of the owner */
	const char *args[2]; /* positional arguments */
	int n_args;
};

/*
 * getopt over the options every subcommand shares; max_args positional
 * arguments are allowed. 0; -ECANCELED after --help (the command is done:
 * exit 0); -EINVAL after a usage message (exit 2).
 */
int enroll_opts_parse(struct enroll_opts *o, int argc, char **argv, int max_args,
		      const char *usage);
/* enroll_opts_parse for a command on one tunnel ([IF], default wg0), then
 * its state. 0, or -ECANCELED when the command is over: *status is then
 * its exit status (0 after --help). */
int enroll_tunnel_load(struct enroll_opts *o, struct enroll_state *st, int argc, char **argv,
		       const char *usage, int *status);

/* One line on stderr for a refusal or a failure to get one: code and err
 * are what actclient_run returned and said (err may be empty), k the key
 * that was asked (NULL: none). */
void enroll_refused(const char *what, int code, const struct proto_reply *rep,
		    const struct enroll_key *k, const char err[ERR_LEN]);
/* The actclient options from the state and the command line; 0, or
 * -EINVAL after a message on stderr. */
int enroll_gateway(struct actclient_opts *ao, char *host, size_t cap, const struct enroll_state *st,
		   const struct enroll_opts *o);
/* A note on stderr when this clock is more than a minute off the gateway's. */
void enroll_clock_note(const struct proto_reply *rep);
/* "WHO is active until 18:40 (9h59m left)." on stdout. */
void enroll_print_until(const char *who, uint64_t seconds_left);

#endif

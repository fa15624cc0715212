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
#include "opts.h"
#include "proto/actclient.h"
#include "proto/proto.h"
#include "state.h"

struct seckey;

/* opts_parse for a command on one tunnel ([IF], default wg0), then
 * its state. 0, or -ECANCELED when the command is over: *status is then
 * its exit status (0 after --help). */
int enroll_tunnel_load(struct enroll_opts *o, struct enroll_state *st, int argc, char **argv,
		       const char *usage, int *status);

/* After an exchange that brought a REPLY (code PROTO_OK from
 * actclient_run): a new activation key in it (docs/protocol.md 3.2) goes
 * into st and the state file, with a note on stderr. */
void enroll_learn_key(struct enroll_state *st, const struct enroll_opts *o, int code,
		      const struct proto_reply *rep);
/* One line on stderr for a refusal or a failure to get one: code and err
 * are what actclient_run returned and said (err may be empty), k the key
 * that was asked (NULL: none). */
void enroll_refused(const char *what, int code, const struct proto_reply *rep,
		    const struct seckey *k, const char err[ERR_LEN]);
/* The actclient options from the state and the command line; 0, or
 * -EINVAL after a message on stderr. */
int enroll_gateway(struct actclient_opts *ao, char *host, size_t cap, const struct enroll_state *st,
		   const struct enroll_opts *o);
/* A note on stderr when this clock is more than a minute off the gateway's. */
void enroll_clock_note(const struct proto_reply *rep);
/* "WHO is active until 18:40 (9h59m left)." on stdout. */
void enroll_print_until(const char *who, uint64_t seconds_left);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * enroll, the laptop's client (docs/protocol.md; enroll(1)). One file per
 * subcommand; this header holds what they share: options, the state kept
 * next to the wg-quick config, the PIN, and the security key.
 */
#ifndef KEYGATE_ENROLL_H
#define KEYGATE_ENROLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/actclient.h"
#include "proto/proto.h"

#define ENROLL_DEFAULT_IF  "wg0"
#define ENROLL_DEFAULT_DIR "/etc/wireguard"
#define ENROLL_MAX_CREDS   8
#define ENROLL_PIN_MAX     64

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

/* getopt over the options every subcommand shares; 0, or 2 after a usage
 * message. max_args positional arguments are allowed. */
int enroll_opts_parse(struct enroll_opts *o, int argc, char **argv, int max_args,
		      const char *usage);

struct enroll_cred {
	int alg;
	uint8_t id[PROTO_CRED_ID_MAX];
	size_t id_len;
};

/* IF.keygate beside IF.conf. */
struct enroll_state {
	char gateway[PROTO_ENDPOINT_MAX + 1]; /* activation endpoint host:port */
	uint8_t gw_key[KEY_LEN];              /* activation public key */
	char rp_id[PROTO_RP_ID_MAX + 1];
	char peer[PROTO_NAME_MAX + 1];
	char owner[PROTO_NAME_MAX + 1];
	uint8_t peer_key[KEY_LEN];
	bool device; /* this machine holds the peer's private key (IF.conf) */
	struct enroll_cred creds[ENROLL_MAX_CREDS];
	size_t n_creds;
	uint64_t session_end; /* unix seconds, as last heard; 0: none */
};

int state_load(struct enroll_state *st, const struct enroll_opts *o);
int state_save(const struct enroll_state *st, const struct enroll_opts *o, bool replace);
/* "DIR/IF.SUFFIX" into buf. */
int state_path(char *buf, size_t cap, const struct enroll_opts *o, const char *suffix);
/* Host and port of "host:port" or "[v6]:port". */
int state_split_endpoint(const char *ep, char *host, size_t cap, uint16_t *port);
/* enroll_opts_parse for a command on one tunnel ([IF], default wg0), then
 * its state. 0, or -ECANCELED when the command is over: *status is then
 * its exit status (0 after --help). */
int enroll_tunnel_load(struct enroll_opts *o, struct enroll_state *st, int argc, char **argv,
		       const char *usage, int *status);

/* The PIN from --pin-fd (one line) or the terminal with echo off; never
 * from argv or the environment. 0, or 1 after a message. */
int pin_read(char pin[ENROLL_PIN_MAX + 1], const struct enroll_opts *o, const char *what);

/* The security key. Each returns PROTO_OK or a client-side enum proto_err
 * (WRONG_PIN, PIN_BLOCKED, NO_TOUCH, NO_DEVICE, CREDENTIAL_UNKNOWN), after
 * printing nothing: the caller explains. *retries: PIN retries left. */
struct enroll_key {
	void *dev; /* fido_dev_t */
	bool has_pin;
	bool fido2; /* false: U2F only */
	int retries;
};
int key_open(struct enroll_key *k, const char *spec);
/* Without a spec, the first key found that is not at path skip. */
int key_open_other(struct enroll_key *k, const char *spec, const char *skip);
void key_close(struct enroll_key *k);
/* PIN needed for this key? (a FIDO2 key with a PIN set) */
bool key_wants_pin(const struct enroll_key *k);
int key_make_cred(struct enroll_key *k, const char *pin, const char *rp_id, const char *user,
		  const uint8_t cdh[32], struct proto_cred *out);
int key_get_assertion(struct enroll_key *k, const char *pin, const char *rp_id,
		      const struct enroll_cred *creds, size_t n, const uint8_t cdh[32],
		      struct proto_assertion *out);

/* One line on stderr for a refusal or a failure to get one; returns 1. */
int enroll_refused(const char *what, int code, const struct proto_reply *rep,
		   const struct enroll_key *k);
/* The actclient options from the state and the command line. */
int enroll_gateway(struct actclient_opts *ao, char *host, size_t cap, const struct enroll_state *st,
		   const struct enroll_opts *o);
/* A note on stderr when this clock is more than a minute off the gateway's. */
void enroll_clock_note(const struct proto_reply *rep);

int register_main(int argc, char **argv);
int up_main(int argc, char **argv);
int down_main(int argc, char **argv);
int status_main(int argc, char **argv);
int activate_main(int argc, char **argv);
int addkey_main(int argc, char **argv);

#endif

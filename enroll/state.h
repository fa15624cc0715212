/* SPDX-License-Identifier: ISC */
/*
 * IF.keygate, the tunnel's state beside wg-quick's IF.conf (state.c).
 * Loading and saving print their own one-line errors.
 */
#ifndef KEYGATE_ENROLL_STATE_H
#define KEYGATE_ENROLL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

#define ENROLL_MAX_CREDS 8

struct enroll_opts;

struct enroll_cred {
	int alg;
	uint8_t id[PROTO_CRED_ID_MAX];
	size_t id_len;
};

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

/*
 * Names the interface when the command line did not: the one IF.keygate in
 * the config dir. 0; -ENOENT when there is none, -ENOTUNIQ when there are
 * several (a usage error: exit 2), each after one line on stderr. hint is
 * the command line that would name it, less the name: "enroll up".
 */
int state_pick(struct enroll_opts *o, const char *hint);
int state_load(struct enroll_state *st, const struct enroll_opts *o);
int state_save(const struct enroll_state *st, const struct enroll_opts *o, bool replace);
/* "DIR/IF.SUFFIX" into buf. */
int state_path(char *buf, size_t cap, const struct enroll_opts *o, const char *suffix);
/* Host and port of "host:port" or "[v6]:port". */
int state_split_endpoint(const char *ep, char *host, size_t cap, uint16_t *port);

#endif

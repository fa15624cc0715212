/* SPDX-License-Identifier: ISC */
/*
 * The enrollment URI (docs/protocol.md 6.3): what `vpnd peer add` prints
 * and `enroll` reads. Apart from proto.h, which it builds on, because only
 * the issuing and the redeeming ends need it, not the packet path.
 */
#ifndef KEYGATE_PROTO_URI_H
#define KEYGATE_PROTO_URI_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

#define PROTO_URI_KEYS_MAX 4
#define PROTO_URI_MAX      2048

struct proto_uri_key {
	uint8_t id[PROTO_CRED_ID_MAX];
	size_t len;
};

struct proto_uri {
	char host[254];
	uint16_t port;
	uint8_t gw_pub[KEY_LEN];
	uint8_t code[PROTO_CODE_LEN];
	char rp_id[PROTO_RP_ID_MAX + 1]; /* PROTO_DEFAULT_RP_ID when absent */
	char name[PROTO_NAME_MAX + 1];   /* "" when absent */
	/* The credential IDs of the owner's keys when the code was made
	 * (key=, repeated): one of them signs the enrollment (6.3). */
	struct proto_uri_key keys[PROTO_URI_KEYS_MAX];
	size_t n_keys;
};
/* 0, or -EINVAL with the reason in err. */
int proto_uri_parse(struct proto_uri *u, const char *s, char err[ERR_LEN]);
/* host may be an IPv6 literal without brackets; rp_id and name may be NULL. */
int proto_uri_format(char *out, size_t cap, const char *host, uint16_t port,
		     const uint8_t gw_pub[KEY_LEN], const uint8_t code[PROTO_CODE_LEN],
		     const char *rp_id, const char *name);
/* Appends "&key=ID" to a URI that proto_uri_format wrote in out. */
int proto_uri_add_key(char *out, size_t cap, const uint8_t *credid, size_t len);
/* A fresh code and its base64url text. */
void proto_code_generate(uint8_t code[PROTO_CODE_LEN], char text[PROTO_CODE_B64_LEN + 1]);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The web page's messages between the monitor and the network child
 * (docs/privsep.md, docs/web.md), in actmsg's style: flat, every length
 * capped before a copy, every name checked, nothing after the last field.
 * The child parses HTTP and the page's JSON and sends one WEB_REQ per API
 * call; the monitor checks everything again, verifies, acts and answers
 * with a WEB_RESULT whose body the child sends back as it is. WEB_CONF
 * carries the TLS files the monitor read and the trusted proxies: at start
 * and on every SIGHUP.
 */
#ifndef VPND_WEBMSG_H
#define VPND_WEBMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/text.h"
#include "state/enrollcode.h"

#define WEBMSG_MAX            8192         /* WEB_REQ and WEB_RESULT */
#define WEBMSG_CONF_MAX       (120 * 1024) /* WEB_CONF: certificate chain and key */
#define WEBMSG_PEM_MAX        (56 * 1024)
#define WEBMSG_DEVICES_MAX    16
#define WEBMSG_GRANT_LEN      32
#define WEBMSG_CREDID_MAX     255
#define WEBMSG_CLIENTDATA_MAX 1024
#define WEBMSG_AUTHDATA_MAX   128
#define WEBMSG_SIG_MAX        80
#define WEBMSG_ATTEST_MAX     4096
#define WEBMSG_BODY_MAX       6144
#define WEBMSG_PROXIES_MAX    8

/* The calls of the page's API: POST /api/NAME (docs/web.md). */
enum webmsg_call {
	WEBMSG_CHALLENGE = 1,     /* {owner}: a challenge and the owner's credential IDs */
	WEBMSG_ACTIVATE = 2,      /* an assertion: the owner's devices and a grant */
	WEBMSG_OPEN = 3,          /* {owner, grant, devices}: open their sessions */
	WEBMSG_END = 4,           /* the same: end them */
	WEBMSG_DEVICES = 5,       /* {owner, grant}: the devices' states */
	WEBMSG_REG_CHALLENGE = 6, /* {code}: what navigator.credentials.create needs */
	WEBMSG_REGISTER = 7,      /* {code, clientDataJSON, attestationObject} */
	WEBMSG_CALL_MAX = WEBMSG_REGISTER,
};

struct webmsg_req {
	uint32_t seq;
	uint8_t call;    /* enum webmsg_call */
	uint8_t src[18]; /* the client: the connection's, or a trusted proxy's word */
	char owner[NAME_MAX_LEN + 1];
	char code[ENROLLCODE_STR_LEN + 1];
	bool has_grant;
	uint8_t grant[WEBMSG_GRANT_LEN];
	char devices[WEBMSG_DEVICES_MAX][NAME_MAX_LEN + 1];
	uint8_t n_devices;
	uint8_t cred_id[WEBMSG_CREDID_MAX];
	size_t cred_id_len;
	uint8_t client_data[WEBMSG_CLIENTDATA_MAX];
	size_t client_data_len;
	uint8_t auth_data[WEBMSG_AUTHDATA_MAX];
	size_t auth_data_len;
	uint8_t sig[WEBMSG_SIG_MAX];
	size_t sig_len;
	uint8_t attestation[WEBMSG_ATTEST_MAX];
	size_t attestation_len;
};

struct webmsg_result {
	uint32_t seq;
	uint16_t status;                /* HTTP */
	char body[WEBMSG_BODY_MAX + 1]; /* JSON, NUL-terminated */
	size_t body_len;
};

/* Decoded, the PEM pointers point into the message. */
struct webmsg_conf {
	const uint8_t *cert, *key; /* both NULL: plain HTTP */
	size_t cert_len, key_len;
	struct ipaddr proxies[WEBMSG_PROXIES_MAX];
	uint8_t n_proxies;
};

/* Encoders: 0 and *len, or -EMSGSIZE / -EINVAL. buf holds WEBMSG_MAX
 * bytes (WEBMSG_CONF_MAX for the configuration). */
int webmsg_encode_req(uint8_t *buf, size_t *len, const struct webmsg_req *m);
int webmsg_encode_result(uint8_t *buf, size_t *len, const struct webmsg_result *m);
int webmsg_encode_conf(uint8_t *buf, size_t *len, const struct webmsg_conf *m);
/* Decoders: 0, or -EBADMSG for anything but one well-formed message. */
int webmsg_decode_req(struct webmsg_req *m, const uint8_t *msg, size_t len);
int webmsg_decode_result(struct webmsg_result *m, const uint8_t *msg, size_t len);
int webmsg_decode_conf(struct webmsg_conf *m, const uint8_t *msg, size_t len);

#endif

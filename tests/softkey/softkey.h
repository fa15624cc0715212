/* SPDX-License-Identifier: ISC */
/*
 * softkey: a software FIDO2/U2F authenticator for tests and the demo.
 * The device is a plain struct; frames go in through softkey_frame() and
 * replies leave through cfg-independent hooks, so the same code runs behind
 * the socket (main.c) and inside fuzz targets.
 */
#ifndef SOFTKEY_SOFTKEY_H
#define SOFTKEY_SOFTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctaphid.h"

#define SK_SECRET_LEN   32
#define SK_PIN_HASH_LEN 16
#define SK_PIN_RETRIES  8
/* Wrong PINs in a row that need a power cycle (CTAP 2.1 section 6.5.5.5). */
#define SK_PIN_FAILS_PER_BOOT 3
#define SK_TOKEN_LEN          32
#define SK_RPID_MAX           255

#define SK_ALG_ES256   0x01
#define SK_ALG_EDDSA   0x02
#define COSE_ALG_ES256 (-7)
#define COSE_ALG_EDDSA (-8)

/* CTAP2 status codes used here (CTAP 2.1 section 8.2). */
#define CTAP2_OK                          0x00
#define CTAP1_ERR_INVALID_COMMAND         0x01
#define CTAP1_ERR_INVALID_PARAMETER       0x02
#define CTAP1_ERR_INVALID_LENGTH          0x03
#define CTAP2_ERR_CBOR_UNEXPECTED_TYPE    0x11
#define CTAP2_ERR_INVALID_CBOR            0x12
#define CTAP2_ERR_MISSING_PARAMETER       0x14
#define CTAP2_ERR_LIMIT_EXCEEDED          0x15
#define CTAP2_ERR_CREDENTIAL_EXCLUDED     0x19
#define CTAP2_ERR_UNSUPPORTED_ALGORITHM   0x26
#define CTAP2_ERR_OPERATION_DENIED        0x27
#define CTAP2_ERR_UNSUPPORTED_OPTION      0x2b
#define CTAP2_ERR_INVALID_OPTION          0x2c
#define CTAP2_ERR_KEEPALIVE_CANCEL        0x2d
#define CTAP2_ERR_NO_CREDENTIALS          0x2e
#define CTAP2_ERR_NOT_ALLOWED             0x30
#define CTAP2_ERR_PIN_INVALID             0x31
#define CTAP2_ERR_PIN_BLOCKED             0x32
#define CTAP2_ERR_PIN_AUTH_INVALID        0x33
#define CTAP2_ERR_PIN_AUTH_BLOCKED        0x34
#define CTAP2_ERR_PIN_NOT_SET             0x35
#define CTAP2_ERR_PIN_REQUIRED            0x36
#define CTAP2_ERR_PIN_POLICY_VIOLATION    0x37
#define CTAP2_ERR_REQUEST_TOO_LARGE       0x39
#define CTAP2_ERR_UNAUTHORIZED_PERMISSION 0x40
#define CTAP1_ERR_OTHER                   0x7f

#define SK_PERM_MC 0x01
#define SK_PERM_GA 0x02

struct sk_config {
	unsigned algs;          /* SK_ALG_*; ES256 is preferred when both are set */
	unsigned pin_protocols; /* bit 1: protocol 1, bit 2: protocol 2 */
	bool presence;          /* does somebody touch the key? */
	bool u2f_only;
	int touch_delay_ms;   /* how long the touch takes when it comes */
	int touch_timeout_ms; /* how long an untouched key waits */
	int frame_timeout_ms; /* gap allowed between fragments */
	const char *state_path;
};

/* What --state keeps across runs. */
struct sk_state {
	uint8_t secret[SK_SECRET_LEN];
	bool pin_set;
	uint8_t pin_hash[SK_PIN_HASH_LEN]; /* LEFT(SHA-256(PIN), 16) */
	uint8_t pin_retries;
	uint32_t counter;
};

struct skc_ecdh;

struct softkey {
	struct sk_config cfg;
	struct sk_state st;

	/* Lost at power-off. */
	struct skc_ecdh *ka; /* clientPIN key agreement key */
	uint8_t token[SK_TOKEN_LEN];
	bool token_valid;
	uint8_t token_perms;
	bool token_has_rp;
	char token_rp[SK_RPID_MAX + 1];
	unsigned pin_fails; /* wrong PINs in a row since power-up */
	uint32_t next_cid;
	uint8_t *u2f_cert; /* DER self-signed attestation certificate */
	size_t u2f_cert_len;

	/* The transaction in progress. */
	struct ctaphid_rx rx;
	bool busy;
	uint32_t busy_cid;
	bool cancelled;
	uint8_t resp[CTAPHID_MAX_MSG];

	/* Hooks: where reports go, and who waits for a touch. wait_touch returns
	 * CTAP2_OK, CTAP2_ERR_OPERATION_DENIED or CTAP2_ERR_KEEPALIVE_CANCEL;
	 * NULL means touched at once. save_state is called after each change of
	 * st; NULL means nothing is kept. */
	ctaphid_send_fn send;
	void *io;
	int (*wait_touch)(struct softkey *sk);
	int (*save_state)(struct softkey *sk);
};

/* device.c */
int softkey_init(struct softkey *sk, const struct sk_config *cfg, const struct sk_state *st);
void softkey_finish(struct softkey *sk);
/* One report from the host; replies go out through sk->send. */
int softkey_frame(struct softkey *sk, const uint8_t *report, int64_t now_ms);
/* Sends MSG_TIMEOUT if a message stalled; returns ms until the next check or -1. */
int softkey_tick(struct softkey *sk, int64_t now_ms);
int softkey_keepalive(struct softkey *sk, uint8_t status);
/* Power-up state: a fresh key agreement key and PIN token. */
int softkey_power_up(struct softkey *sk);
int softkey_new_key_agreement(struct softkey *sk);
int softkey_touch(struct softkey *sk);
int softkey_save(struct softkey *sk);

/* ctap2.c: req[0] is the command byte; writes status and CBOR to sk->resp. */
size_t ctap2_handle(struct softkey *sk, const uint8_t *req, size_t len);
/* clientpin.c */
uint8_t clientpin_handle(struct softkey *sk, const uint8_t *cbor, size_t len, size_t *out_len);
/* Checks pinUvAuthParam against the token for this rpId and permission. */
uint8_t clientpin_check_auth(struct softkey *sk, int protocol, const uint8_t *cdh,
			     const uint8_t *param, size_t param_len, const char *rp_id,
			     uint8_t perm);
/* u2f.c: an APDU in, response with status word out (to sk->resp). */
size_t u2f_handle(struct softkey *sk, const uint8_t *apdu, size_t len);

#endif

/* SPDX-License-Identifier: ISC */
/* The security key through libfido2 (seckey.c). */
#ifndef KEYGATE_ENROLL_KEY_H
#define KEYGATE_ENROLL_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/text.h"
#include "proto/proto.h"
#include "state.h"

struct seckey {
	void *dev; /* fido_dev_t */
	bool has_pin;
	bool fido2; /* false: U2F only */
	int retries;
	char path[128];  /* its hidraw node ("" for a softkey socket) */
	char label[128]; /* "NAME (PATH)" when picked among several; else "" */
	bool removed;    /* it went away during the last request */
};

/* 0, or -errno with err saying which key could not be opened and why. */
int seckey_open(struct seckey *k, const char *spec, char err[ERR_LEN]);
/* Without a spec, the first key found that is not at path skip. */
int seckey_open_other(struct seckey *k, const char *spec, const char *skip, char err[ERR_LEN]);
void seckey_close(struct seckey *k);
/* "Touch your security key" plus which one, when there were several. */
void seckey_prompt(const struct seckey *k, const char *what);
/* PIN needed for this key? (a FIDO2 key with a PIN set) */
bool seckey_wants_pin(const struct seckey *k);
/*
 * What the key was asked: PROTO_OK, or the client-side enum proto_err that
 * explains it to a person (WRONG_PIN, PIN_BLOCKED, NO_TOUCH, NO_DEVICE
 * with k->removed when it was pulled out, CREDENTIAL_UNKNOWN, UV_REQUIRED),
 * after printing nothing; *retries: PIN
 * retries left. The code goes where the gateway's refusals go, to
 * enroll_refused.
 */
int seckey_make_cred(struct seckey *k, const char *pin, const char *rp_id, const char *user,
		     const uint8_t cdh[32], struct proto_cred *out);
int seckey_get_assertion(struct seckey *k, const char *pin, const char *rp_id,
			 const struct enroll_cred *creds, size_t n, const uint8_t cdh[32],
			 struct proto_assertion *out);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * Decoding of the CTAP2 requests softkey understands. Each decoder takes
 * the CBOR map that follows the command byte and fills a plain struct, or
 * returns a CTAP2 status (CTAP2_ERR_INVALID_CBOR and friends). Only these
 * functions look at untrusted CBOR; fuzz_softkey_cbor.c calls them directly.
 */
#ifndef SOFTKEY_CBOR_REQ_H
#define SOFTKEY_CBOR_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softkey.h"

#define SK_CREDID_MAX 128
#define SK_LIST_MAX   16
#define SK_ALGS_MAX   16

struct sk_credid {
	size_t len;
	uint8_t id[SK_CREDID_MAX];
};

/* -1 absent, else 0 or 1. */
struct sk_options {
	int rk, up, uv;
};

struct sk_mc_req {
	uint8_t cdh[32];
	char rp_id[SK_RPID_MAX + 1];
	size_t n_algs;
	int algs[SK_ALGS_MAX];
	size_t n_excl;
	struct sk_credid excl[SK_LIST_MAX];
	struct sk_options opt;
	bool has_pin_auth;
	size_t pin_auth_len;
	uint8_t pin_auth[32];
	int pin_protocol; /* 0 when absent */
};

struct sk_ga_req {
	char rp_id[SK_RPID_MAX + 1];
	uint8_t cdh[32];
	size_t n_allow;
	struct sk_credid allow[SK_LIST_MAX];
	struct sk_options opt;
	bool has_pin_auth;
	size_t pin_auth_len;
	uint8_t pin_auth[32];
	int pin_protocol;
};

struct sk_cp_req {
	int protocol;   /* 0 when absent */
	int subcommand; /* 0 when absent */
	bool has_key;
	uint8_t key_x[32], key_y[32];
	bool has_pin_auth;
	size_t pin_auth_len;
	uint8_t pin_auth[32];
	size_t new_pin_len; /* 0 when absent */
	uint8_t new_pin_enc[96];
	size_t pin_hash_len;
	uint8_t pin_hash_enc[48];
	unsigned permissions; /* 0 when absent */
	bool has_rp;
	char rp_id[SK_RPID_MAX + 1];
};

uint8_t cbor_req_make_credential(const uint8_t *buf, size_t len, struct sk_mc_req *req);
uint8_t cbor_req_get_assertion(const uint8_t *buf, size_t len, struct sk_ga_req *req);
uint8_t cbor_req_client_pin(const uint8_t *buf, size_t len, struct sk_cp_req *req);

#endif

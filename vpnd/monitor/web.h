/* SPDX-License-Identifier: ISC */
/*
 * The monitor's state for the web page (docs/web.md) and the answers'
 * common shape: the secret its stateless challenges and grants are keyed
 * with, the challenges already spent, the counters `vpnd status` shows,
 * and the JSON reply every call gets: {"ok":true,...} or {"ok":false,
 * "error":NAME,"message":TEXT}. Below webact.c and webreg.c.
 */
#ifndef VPND_WEB_H
#define VPND_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "common/webmsg.h"
#include "monitor/daemon.h"
#include "monitor/webauthn.h"
#include "proto/proto.h"

#define WEB_GRANT_LIFE 300 /* seconds a touch lets the page open and end */
/* A grant's target: the owner's name, a newline, 32 hex digits (webact.c). */
#define WEB_GRANT_TARGET_LEN (NAME_MAX_LEN + 2 + 32 + 1)

struct web {
	uint8_t secret[WEBAUTHN_SECRET_LEN];
	uint8_t fake_key[32]; /* credential IDs shown for names that are no owner */
	struct replay_cache *used;
	uint64_t challenges, activations, opened, refused, registered;
};

int web_create(struct web **out);
void web_destroy(struct web **w);
/* web-* fields for `vpnd status`. */
void web_status_fields(const struct web *w, struct strbuf *o);

/* A reply under way: the body, and the status it goes with. */
struct web_reply {
	struct strbuf *body;
	uint16_t status;
};
/* Starts {"ok":true with the fields to follow. */
void web_reply_ok(struct web_reply *r);
/* The whole body of a refusal; audits it as the UDP port does
 * (activation-refused op=OP peer=... reason=...) and counts it; 0: a
 * refusal is an answer. */
int web_refuse(struct vpnd *d, struct web_reply *r, enum proto_err e, const char *op,
	       const char *peer, const uint8_t src[18]);
/* ,"key":"base64url" when key is given, else "base64url" alone. */
void web_reply_b64(struct web_reply *r, const char *key, const uint8_t *v, size_t n);
/* The source's text, for audit lines. */
void web_addr_text(char *buf, size_t len, const uint8_t src[18]);
/* The challenge's 16 bytes that name it in the spent table; true when it
 * was spent already, else it is spent now (PROTO_ERR_RATE_LIMITED when
 * the table is full: refused rather than forgotten). */
bool web_spent(const struct web *w, const uint8_t ch[WEBAUTHN_CHALLENGE_LEN], uint64_t now);
enum proto_err web_spend(struct web *w, const uint8_t ch[WEBAUTHN_CHALLENGE_LEN], uint64_t made,
			 uint64_t now);

#endif

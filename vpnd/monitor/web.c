/* SPDX-License-Identifier: ISC */
/* The web page's state and replies (web.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/replay.h"
#include "gateway/ctl.h"
#include "monitor/audit.h"
#include "monitor/web.h"

#define USED_SLOTS 4096

int web_create(struct web **out)
{
	struct web *w = calloc(1, sizeof(*w));
	int r;

	*out = NULL;
	if (w == NULL)
		return -ENOMEM;
	if ((r = replay_create(&w->used, USED_SLOTS)) < 0) {
		free(w);
		return r;
	}
	randombytes_buf(w->secret, sizeof(w->secret));
	randombytes_buf(w->fake_key, sizeof(w->fake_key));
	*out = w;
	return 0;
}

void web_destroy(struct web **w)
{
	if (*w == NULL)
		return;
	replay_destroy(&(*w)->used);
	sodium_memzero(*w, sizeof(**w));
	free(*w);
	*w = NULL;
}

void web_status_fields(const struct web *w, struct strbuf *o)
{
	ctl_add_fieldf(o, "web-challenges", "%llu", (unsigned long long)w->challenges);
	ctl_add_fieldf(o, "web-activations", "%llu", (unsigned long long)w->activations);
	ctl_add_fieldf(o, "web-opened", "%llu", (unsigned long long)w->opened);
	ctl_add_fieldf(o, "web-refused", "%llu", (unsigned long long)w->refused);
	ctl_add_fieldf(o, "web-registered", "%llu", (unsigned long long)w->registered);
}

void web_reply_ok(struct web_reply *r)
{
	r->status = 200;
	strbuf_reset(r->body);
	strbuf_puts(r->body, "{\"ok\":true");
}

void web_addr_text(char *buf, size_t len, const uint8_t src[18])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char a[INET6_ADDRSTRLEN] = "?";

	if (memcmp(src, mapped, 12) == 0)
		inet_ntop(AF_INET, src + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, src, a, sizeof(a));
	snprintf(buf, len, "%s", a);
}

int web_refuse(struct vpnd *d, struct web_reply *r, enum proto_err e, const char *op,
	       const char *peer, const uint8_t src[18])
{
	char a[INET6_ADDRSTRLEN];

	web_addr_text(a, sizeof(a), src);
	audit_event("activation-refused", "op", op, "peer", peer != NULL ? peer : "-", "reason",
		    proto_errname(e), "src", a, "via", "web", NULL);
	d->web->refused++;
	r->status = e == PROTO_ERR_INTERNAL ? 500 : e == PROTO_ERR_RATE_LIMITED ? 429 : 403;
	strbuf_reset(r->body);
	strbuf_puts(r->body, "{\"ok\":false,\"error\":");
	strbuf_json_string(r->body, proto_errname(e));
	strbuf_puts(r->body, ",\"message\":");
	/* The page cannot ask an existing key to sign (webreg.c): it says
	 * what can. */
	strbuf_json_string(r->body,
			   e == PROTO_ERR_KEY_REQUIRED
				   ? "you have security keys already, and one of them must sign "
				     "for a new one, which this page cannot ask for: register "
				     "with enroll on a computer where one of your keys is at "
				     "hand, or ask the admin for a recovery code (--new-key)"
				   : proto_strerror(e));
	strbuf_puts(r->body, "}");
	return 0;
}

void web_reply_b64(struct web_reply *r, const char *key, const uint8_t *v, size_t n)
{
	char b[2048];

	if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > sizeof(b))
		return;
	sodium_bin2base64(b, sizeof(b), v, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (key != NULL)
		strbuf_printf(r->body, ",\"%s\":\"%s\"", key, b);
	else
		strbuf_printf(r->body, "\"%s\"", b);
}

bool web_spent(const struct web *w, const uint8_t ch[WEBAUTHN_CHALLENGE_LEN], uint64_t now)
{
	return replay_contains(w->used, ch + 10, now);
}

enum proto_err web_spend(struct web *w, const uint8_t ch[WEBAUTHN_CHALLENGE_LEN], uint64_t made,
			 uint64_t now)
{
	/* The nonce and the tag's first bytes: unique per challenge. */
	const uint8_t *key = ch + 10;

	if (replay_contains(w->used, key, now))
		return PROTO_ERR_REPLAYED;
	if (replay_insert(w->used, key, made + WEBAUTHN_CHALLENGE_LIFE + 1, now) < 0)
		return PROTO_ERR_RATE_LIMITED;
	return PROTO_OK;
}

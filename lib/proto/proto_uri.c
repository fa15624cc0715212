/* SPDX-License-Identifier: ISC */
/*
 * The enrollment URI (docs/protocol.md 9):
 *   keygate://HOST:PORT/?gw=GW&code=CODE[&rp=RPID][&name=PEER][&key=ID]...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_uri.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static bool host_name_ok(const char *h, size_t n)
{
	if (n < 1 || n > 253 || h[0] == '-' || h[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '-' || h[i] == '.'))
			return false;
	return true;
}

static bool rp_id_ok(const char *s, size_t n)
{
	if (n < 1 || n > PROTO_RP_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.' || s[i] == ':'))
			return false;
	return true;
}

/* Exactly n base64url characters for exactly len bytes; 0 or -EINVAL. */
static int b64url_decode(uint8_t *out, size_t len, const char *s, size_t n)
{
	size_t got = 0;
	char again[64];

	if (n != sodium_base64_ENCODED_LEN(len, B64URL) - 1 || n >= sizeof(again))
		return -EINVAL;
	if (sodium_base642bin(out, len, s, n, NULL, &got, NULL, B64URL) != 0 || got != len)
		return -EINVAL;
	/* One text per value: unused trailing bits must be zero. */
	sodium_bin2base64(again, sizeof(again), out, len, B64URL);
	return memcmp(again, s, n) == 0 ? 0 : -EINVAL;
}

/* A credential ID: 1 to PROTO_CRED_ID_MAX bytes of canonical base64url. */
static int key_decode(struct proto_uri_key *k, const char *s, size_t n)
{
	char again[sodium_base64_ENCODED_LEN(PROTO_CRED_ID_MAX, B64URL)];

	if (n < 2 || n >= sizeof(again) ||
	    sodium_base642bin(k->id, sizeof(k->id), s, n, NULL, &k->len, NULL, B64URL) != 0 ||
	    k->len == 0)
		return -EINVAL;
	sodium_bin2base64(again, sizeof(again), k->id, k->len, B64URL);
	return strlen(again) == n && memcmp(again, s, n) == 0 ? 0 : -EINVAL;
}

static int parse_authority(struct proto_uri *u, const char *a, size_t n, const char **why)
{
	const char *colon;
	size_t hlen;
	char port[6];
	char *end;
	unsigned long p;

	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		struct in6_addr in6;

		if (close == NULL || (size_t)(close - a) - 1 >= sizeof(u->host)) {
			*why = "bad IPv6 address in brackets";
			return -EINVAL;
		}
		hlen = (size_t)(close - a) - 1;
		memcpy(u->host, a + 1, hlen);
		u->host[hlen] = '\0';
		if (inet_pton(AF_INET6, u->host, &in6) != 1) {
			*why = "bad IPv6 address in brackets";
			return -EINVAL;
		}
		colon = close + 1;
		if (colon >= a + n || *colon != ':') {
			*why = "missing :PORT";
			return -EINVAL;
		}
	} else {
		colon = memchr(a, ':', n);
		if (colon == NULL) {
			*why = "missing :PORT";
			return -EINVAL;
		}
		hlen = (size_t)(colon - a);
		if (!host_name_ok(a, hlen)) {
			*why = "bad host name";
			return -EINVAL;
		}
		memcpy(u->host, a, hlen);
		u->host[hlen] = '\0';
	}
	hlen = n - (size_t)(colon + 1 - a);
	if (hlen < 1 || hlen > 5 || strspn(colon + 1, "0123456789") < hlen) {
		*why = "bad port";
		return -EINVAL;
	}
	memcpy(port, colon + 1, hlen);
	port[hlen] = '\0';
	p = strtoul(port, &end, 10);
	if (p < 1 || p > 65535) {
		*why = "bad port";
		return -EINVAL;
	}
	u->port = (uint16_t)p;
	return 0;
}

/* -EINVAL with a static string saying why. */
static int uri_parse(struct proto_uri *u, const char *s, const char **why)
{
	static const char scheme[] = "keygate://";
	const char *auth, *q, *p;
	unsigned seen = 0;
	int r;

	memset(u, 0, sizeof(*u));
	*why = "not a keygate:// URI";
	if (strncmp(s, scheme, sizeof(scheme) - 1) != 0)
		return -EINVAL;
	auth = s + sizeof(scheme) - 1;
	q = strstr(auth, "/?");
	if (q == NULL || strchr(auth, '/') != q) {
		*why = "expected keygate://HOST:PORT/?...";
		return -EINVAL;
	}
	r = parse_authority(u, auth, (size_t)(q - auth), why);
	if (r < 0)
		return r;
	if (strpbrk(q + 2, "#%+ /?") != NULL) {
		*why = "unexpected character in the query";
		return -EINVAL;
	}
	strcpy(u->rp_id, PROTO_DEFAULT_RP_ID);
	for (p = q + 2; *p != '\0';) {
		size_t len = strcspn(p, "&");
		const char *eq = memchr(p, '=', len);
		size_t klen, vlen;
		const char *v;
		unsigned bit;

		*why = "malformed query parameter";
		if (eq == NULL)
			return -EINVAL;
		klen = (size_t)(eq - p);
		v = eq + 1;
		vlen = len - klen - 1;
		if (klen == 2 && memcmp(p, "gw", 2) == 0) {
			bit = 1;
			*why = "gw is not a base64url public key";
			if (b64url_decode(u->gw_pub, KEY_LEN, v, vlen) < 0)
				return -EINVAL;
		} else if (klen == 4 && memcmp(p, "code", 4) == 0) {
			bit = 2;
			*why = "code is not 32 base64url characters";
			if (b64url_decode(u->code, PROTO_CODE_LEN, v, vlen) < 0)
				return -EINVAL;
		} else if (klen == 2 && memcmp(p, "rp", 2) == 0) {
			bit = 4;
			*why = "bad rp";
			if (!rp_id_ok(v, vlen))
				return -EINVAL;
			memcpy(u->rp_id, v, vlen);
			u->rp_id[vlen] = '\0';
		} else if (klen == 3 && memcmp(p, "key", 3) == 0) {
			/* Repeated: one per key, up to PROTO_URI_KEYS_MAX. */
			bit = 0;
			*why = "bad key";
			if (u->n_keys == PROTO_URI_KEYS_MAX ||
			    key_decode(&u->keys[u->n_keys], v, vlen) < 0)
				return -EINVAL;
			u->n_keys++;
		} else if (klen == 4 && memcmp(p, "name", 4) == 0) {
			bit = 8;
			*why = "bad name";
			if (!proto_name_valid(v, vlen))
				return -EINVAL;
			memcpy(u->name, v, vlen);
			u->name[vlen] = '\0';
		} else {
			*why = "unknown query parameter";
			return -EINVAL;
		}
		if (seen & bit) {
			*why = "repeated query parameter";
			return -EINVAL;
		}
		seen |= bit;
		p += len;
		if (*p == '&' && *++p == '\0') {
			*why = "malformed query parameter";
			return -EINVAL;
		}
	}
	if ((seen & 3) != 3) {
		*why = "gw= and code= are required";
		return -EINVAL;
	}
	if (key_is_zero(u->gw_pub)) {
		*why = "gw is all zero";
		return -EINVAL;
	}
	*why = NULL;
	return 0;
}

int proto_uri_parse(struct proto_uri *u, const char *s, char err[ERR_LEN])
{
	const char *why = NULL;
	int r = uri_parse(u, s, &why);

	if (r < 0)
		text_err(err, "%s", why);
	return r;
}

int proto_uri_format(char *out, size_t cap, const char *host, uint16_t port,
		     const uint8_t gw_pub[KEY_LEN], const uint8_t code[PROTO_CODE_LEN],
		     const char *rp_id, const char *name)
{
	char gw[sodium_base64_ENCODED_LEN(KEY_LEN, B64URL)];
	char cd[sodium_base64_ENCODED_LEN(PROTO_CODE_LEN, B64URL)];
	bool v6 = strchr(host, ':') != NULL;
	int n;

	if (rp_id != NULL && strcmp(rp_id, PROTO_DEFAULT_RP_ID) == 0)
		rp_id = NULL;
	sodium_bin2base64(gw, sizeof(gw), gw_pub, KEY_LEN, B64URL);
	sodium_bin2base64(cd, sizeof(cd), code, PROTO_CODE_LEN, B64URL);
	n = snprintf(out, cap, "keygate://%s%s%s:%u/?gw=%s&code=%s%s%s%s%s", v6 ? "[" : "", host,
		     v6 ? "]" : "", port, gw, cd, rp_id != NULL ? "&rp=" : "",
		     rp_id != NULL ? rp_id : "", name != NULL && name[0] != '\0' ? "&name=" : "",
		     name != NULL ? name : "");
	sodium_memzero(cd, sizeof(cd));
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int proto_uri_add_key(char *out, size_t cap, const uint8_t *credid, size_t len)
{
	char id[sodium_base64_ENCODED_LEN(PROTO_CRED_ID_MAX, B64URL)];
	size_t used = strlen(out);
	int n;

	if (len == 0 || len > PROTO_CRED_ID_MAX || used >= cap)
		return -EINVAL;
	sodium_bin2base64(id, sizeof(id), credid, len, B64URL);
	n = snprintf(out + used, cap - used, "&key=%s", id);
	if (n < 0 || (size_t)n >= cap - used) {
		out[used] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

void proto_code_generate(uint8_t code[PROTO_CODE_LEN], char text[PROTO_CODE_B64_LEN + 1])
{
	randombytes_buf(code, PROTO_CODE_LEN);
	sodium_bin2base64(text, PROTO_CODE_B64_LEN + 1, code, PROTO_CODE_LEN, B64URL);
}

/* SPDX-License-Identifier: ISC */
/* The web page's monitor <-> child messages (webmsg.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "common/actmsg.h"
#include "common/webmsg.h"

struct wr {
	uint8_t *p;
	size_t len, cap;
	bool over;
};

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static void put(struct wr *w, const void *v, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	/* n = 0 may come with v = NULL (no certificate behind a proxy). */
	if (n > 0)
		memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put_u8(struct wr *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_u32(struct wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	put(w, b, 4);
}

/* A byte string of at most cap bytes, its length first (32 bits). */
static void put_bytes(struct wr *w, const uint8_t *v, size_t n, size_t cap)
{
	if (n > cap) {
		w->over = true;
		return;
	}
	put_u32(w, (uint32_t)n);
	put(w, v, n);
}

static void put_str(struct wr *w, const char *s, size_t cap)
{
	put_bytes(w, (const uint8_t *)s, strnlen(s, cap + 1), cap);
}

static const uint8_t *get(struct rd *r, size_t n)
{
	const uint8_t *v;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

static uint8_t get_u8(struct rd *r)
{
	const uint8_t *v = get(r, 1);

	return v != NULL ? v[0] : 0;
}

static uint32_t get_u32(struct rd *r)
{
	const uint8_t *v = get(r, 4);

	if (v == NULL)
		return 0;
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* Points at a byte string of at most cap bytes. */
static const uint8_t *get_ref(struct rd *r, size_t *n, size_t cap)
{
	uint32_t l = get_u32(r);

	if (r->bad || l > cap) {
		r->bad = true;
		*n = 0;
		return NULL;
	}
	*n = l;
	return get(r, l);
}

static void get_bytes(struct rd *r, uint8_t *out, size_t *n, size_t cap)
{
	const uint8_t *v = get_ref(r, n, cap);

	if (v != NULL)
		memcpy(out, v, *n);
}

/* Text without NUL; valid(s) when given, for a non-empty one. */
static void get_str(struct rd *r, char *out, size_t cap, bool (*valid)(const char *))
{
	size_t n = 0;
	const uint8_t *v = get_ref(r, &n, cap);

	out[0] = '\0';
	if (v == NULL)
		return;
	if (memchr(v, '\0', n) != NULL) {
		r->bad = true;
		return;
	}
	memcpy(out, v, n);
	out[n] = '\0';
	if (n > 0 && valid != NULL && !valid(out))
		r->bad = true;
}

/* An enrollment code's characters: base64url. */
static bool code_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

int webmsg_encode_req(uint8_t *buf, size_t *len, const struct webmsg_req *m)
{
	struct wr w = {.p = buf, .cap = WEBMSG_MAX};

	if (m->call < 1 || m->call > WEBMSG_CALL_MAX || m->n_devices > WEBMSG_DEVICES_MAX)
		return -EINVAL;
	put_u8(&w, ACTMSG_WEB_REQ);
	put_u32(&w, m->seq);
	put_u8(&w, m->call);
	put(&w, m->src, sizeof(m->src));
	put_str(&w, m->owner, NAME_MAX_LEN);
	put_str(&w, m->code, ENROLLCODE_STR_LEN);
	put_u8(&w, m->has_grant);
	if (m->has_grant)
		put(&w, m->grant, WEBMSG_GRANT_LEN);
	put_u8(&w, m->n_devices);
	for (uint8_t i = 0; i < m->n_devices; i++)
		put_str(&w, m->devices[i], NAME_MAX_LEN);
	put_bytes(&w, m->cred_id, m->cred_id_len, WEBMSG_CREDID_MAX);
	put_bytes(&w, m->client_data, m->client_data_len, WEBMSG_CLIENTDATA_MAX);
	put_bytes(&w, m->auth_data, m->auth_data_len, WEBMSG_AUTHDATA_MAX);
	put_bytes(&w, m->sig, m->sig_len, WEBMSG_SIG_MAX);
	put_bytes(&w, m->attestation, m->attestation_len, WEBMSG_ATTEST_MAX);
	*len = w.len;
	return w.over ? -EMSGSIZE : 0;
}

int webmsg_decode_req(struct webmsg_req *m, const uint8_t *msg, size_t len)
{
	struct rd r = {.p = msg, .len = len};

	memset(m, 0, sizeof(*m));
	if (get_u8(&r) != ACTMSG_WEB_REQ)
		goto bad;
	m->seq = get_u32(&r);
	m->call = get_u8(&r);
	if (m->call < 1 || m->call > WEBMSG_CALL_MAX)
		goto bad;
	{
		const uint8_t *src = get(&r, sizeof(m->src));

		if (src != NULL)
			memcpy(m->src, src, sizeof(m->src));
	}
	get_str(&r, m->owner, NAME_MAX_LEN, text_valid_name);
	get_str(&r, m->code, ENROLLCODE_STR_LEN, code_valid);
	{
		uint8_t g = get_u8(&r);

		if (g > 1)
			goto bad;
		m->has_grant = g == 1;
	}
	if (m->has_grant) {
		const uint8_t *g = get(&r, WEBMSG_GRANT_LEN);

		if (g != NULL)
			memcpy(m->grant, g, WEBMSG_GRANT_LEN);
	}
	m->n_devices = get_u8(&r);
	if (m->n_devices > WEBMSG_DEVICES_MAX)
		goto bad;
	for (uint8_t i = 0; i < m->n_devices; i++) {
		get_str(&r, m->devices[i], NAME_MAX_LEN, text_valid_name);
		if (m->devices[i][0] == '\0')
			goto bad;
	}
	get_bytes(&r, m->cred_id, &m->cred_id_len, WEBMSG_CREDID_MAX);
	get_bytes(&r, m->client_data, &m->client_data_len, WEBMSG_CLIENTDATA_MAX);
	get_bytes(&r, m->auth_data, &m->auth_data_len, WEBMSG_AUTHDATA_MAX);
	get_bytes(&r, m->sig, &m->sig_len, WEBMSG_SIG_MAX);
	get_bytes(&r, m->attestation, &m->attestation_len, WEBMSG_ATTEST_MAX);
	if (r.bad || r.off != r.len)
		goto bad;
	return 0;
bad:
	sodium_memzero(m, sizeof(*m));
	return -EBADMSG;
}

int webmsg_encode_result(uint8_t *buf, size_t *len, const struct webmsg_result *m)
{
	struct wr w = {.p = buf, .cap = WEBMSG_MAX};

	put_u8(&w, ACTMSG_WEB_RESULT);
	put_u32(&w, m->seq);
	put_u32(&w, m->status);
	put_bytes(&w, (const uint8_t *)m->body, m->body_len, WEBMSG_BODY_MAX);
	*len = w.len;
	return w.over ? -EMSGSIZE : 0;
}

int webmsg_decode_result(struct webmsg_result *m, const uint8_t *msg, size_t len)
{
	struct rd r = {.p = msg, .len = len};
	uint32_t status;

	memset(m, 0, sizeof(*m));
	if (get_u8(&r) != ACTMSG_WEB_RESULT)
		goto bad;
	m->seq = get_u32(&r);
	status = get_u32(&r);
	if (status < 100 || status > 599)
		goto bad;
	m->status = (uint16_t)status;
	get_bytes(&r, (uint8_t *)m->body, &m->body_len, WEBMSG_BODY_MAX);
	if (r.bad || r.off != r.len || memchr(m->body, '\0', m->body_len) != NULL)
		goto bad;
	m->body[m->body_len] = '\0';
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -EBADMSG;
}

int webmsg_encode_conf(uint8_t *buf, size_t *len, const struct webmsg_conf *m)
{
	struct wr w = {.p = buf, .cap = WEBMSG_CONF_MAX};

	if (m->n_proxies > WEBMSG_PROXIES_MAX || (m->cert == NULL) != (m->key == NULL))
		return -EINVAL;
	put_u8(&w, ACTMSG_WEB_CONF);
	put_bytes(&w, m->cert, m->cert != NULL ? m->cert_len : 0, WEBMSG_PEM_MAX);
	put_bytes(&w, m->key, m->key != NULL ? m->key_len : 0, WEBMSG_PEM_MAX);
	put_u8(&w, m->n_proxies);
	for (uint8_t i = 0; i < m->n_proxies; i++) {
		put_u8(&w, (uint8_t)m->proxies[i].family);
		put(&w, m->proxies[i].bytes, 16);
	}
	*len = w.len;
	return w.over ? -EMSGSIZE : 0;
}

int webmsg_decode_conf(struct webmsg_conf *m, const uint8_t *msg, size_t len)
{
	struct rd r = {.p = msg, .len = len};

	memset(m, 0, sizeof(*m));
	if (get_u8(&r) != ACTMSG_WEB_CONF)
		goto bad;
	m->cert = get_ref(&r, &m->cert_len, WEBMSG_PEM_MAX);
	m->key = get_ref(&r, &m->key_len, WEBMSG_PEM_MAX);
	if ((m->cert_len == 0) != (m->key_len == 0))
		goto bad;
	if (m->cert_len == 0)
		m->cert = m->key = NULL;
	m->n_proxies = get_u8(&r);
	if (m->n_proxies > WEBMSG_PROXIES_MAX)
		goto bad;
	for (uint8_t i = 0; i < m->n_proxies; i++) {
		const uint8_t *a;

		m->proxies[i].family = get_u8(&r);
		if (m->proxies[i].family != AF_INET && m->proxies[i].family != AF_INET6)
			goto bad;
		if ((a = get(&r, 16)) != NULL)
			memcpy(m->proxies[i].bytes, a, 16);
		m->proxies[i].prefix = m->proxies[i].family == AF_INET ? 32 : 128;
	}
	if (r.bad || r.off != r.len)
		goto bad;
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -EBADMSG;
}

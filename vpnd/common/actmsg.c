/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "common/actmsg.h"
#include "common/mailmsg.h"
#include "common/webmsg.h"

struct wr {
	uint8_t *p;
	size_t len;
	bool over;
};

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static void put(struct wr *w, const void *v, size_t n)
{
	if (w->over || n > ACTMSG_MAX - w->len) {
		w->over = true;
		return;
	}
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

static void put_u64(struct wr *w, uint64_t v)
{
	put_u32(w, (uint32_t)(v >> 32));
	put_u32(w, (uint32_t)v);
}

/* A byte string of at most cap (< 256) bytes, length first. */
static void put_bytes(struct wr *w, const uint8_t *v, size_t n, size_t cap)
{
	if (n > cap || n > 255) {
		w->over = true;
		return;
	}
	put_u8(w, (uint8_t)n);
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

static void get_raw(struct rd *r, void *out, size_t n)
{
	const uint8_t *v = get(r, n);

	if (v != NULL)
		memcpy(out, v, n);
}

static uint8_t get_u8(struct rd *r)
{
	const uint8_t *v = get(r, 1);

	return v != NULL ? v[0] : 0;
}

static uint32_t get_u32(struct rd *r)
{
	const uint8_t *v = get(r, 4);

	return v != NULL ? (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]
			 : 0;
}

static uint64_t get_u64(struct rd *r)
{
	uint64_t hi = get_u32(r);

	return hi << 32 | get_u32(r);
}

static bool get_bool(struct rd *r)
{
	uint8_t v = get_u8(r);

	if (v > 1)
		r->bad = true;
	return v == 1;
}

/* The length is checked against cap before a byte is copied. */
static size_t get_bytes(struct rd *r, uint8_t *out, size_t cap)
{
	size_t n = get_u8(r);

	if (n > cap) {
		r->bad = true;
		return 0;
	}
	get_raw(r, out, n);
	return r->bad ? 0 : n;
}

/* NUL-terminated into out (cap + 1 bytes), no NUL inside. */
static void get_str(struct rd *r, char *out, size_t cap)
{
	size_t n = get_bytes(r, (uint8_t *)out, cap);

	out[n] = '\0';
	if (memchr(out, '\0', n) != NULL)
		r->bad = true;
}

static void rd_init(struct rd *r, const uint8_t *msg, size_t len, uint8_t type)
{
	*r = (struct rd){.p = msg, .len = len};
	if (len > ACTMSG_MAX || get_u8(r) != type)
		r->bad = true;
}

static int rd_end(struct rd *r, void *out, size_t size)
{
	if (!r->bad && r->off == r->len)
		return 0;
	sodium_memzero(out, size);
	return -EBADMSG;
}

static bool op_type(int type)
{
	return type >= ACTMSG_ACTIVATE && type <= ACTMSG_STATUS;
}

int actmsg_type(const uint8_t *msg, size_t len)
{
	if (len < 1)
		return -EBADMSG;
	/* The web page's messages are longer, and have their own caps
	 * (common/webmsg.h). */
	if (msg[0] == ACTMSG_WEB_CONF)
		return len <= WEBMSG_CONF_MAX ? msg[0] : -EBADMSG;
	if (msg[0] == ACTMSG_WEB_REQ || msg[0] == ACTMSG_WEB_RESULT)
		return len <= WEBMSG_MAX ? msg[0] : -EBADMSG;
	/* The mail table too (common/mailmsg.h). */
	if (msg[0] == ACTMSG_MAIL_TABLE)
		return len <= MAILMSG_TABLE_MAX ? msg[0] : -EBADMSG;
	if (len > ACTMSG_MAX)
		return -EBADMSG;
	switch (msg[0]) {
	case ACTMSG_INIT:
	case ACTMSG_READY:
	case ACTMSG_RESULT:
	case ACTMSG_STATS:
	case ACTMSG_MAIL_REFUSED:
		return msg[0];
	default:
		return op_type(msg[0]) ? msg[0] : -EBADMSG;
	}
}

static int wr_end(struct wr *w, size_t *len)
{
	*len = w->over ? 0 : w->len;
	return w->over ? -EMSGSIZE : 0;
}

int actmsg_encode_init(uint8_t *buf, size_t *len, const struct actmsg_init *m)
{
	struct wr w = {.p = buf};

	put_u8(&w, ACTMSG_INIT);
	put(&w, m->act_sk, KEY_LEN);
	put(&w, m->prev_sk, KEY_LEN);
	put_u64(&w, m->prev_until);
	put(&w, m->retired_pk, KEY_LEN);
	put_u32(&w, m->rate_burst);
	put_u32(&w, m->rate_per_sec);
	put_u32(&w, m->global_burst);
	put_u32(&w, m->global_per_sec);
	return wr_end(&w, len);
}

int actmsg_decode_init(struct actmsg_init *m, const uint8_t *msg, size_t len)
{
	struct rd r;

	rd_init(&r, msg, len, ACTMSG_INIT);
	get_raw(&r, m->act_sk, KEY_LEN);
	get_raw(&r, m->prev_sk, KEY_LEN);
	m->prev_until = get_u64(&r);
	get_raw(&r, m->retired_pk, KEY_LEN);
	m->rate_burst = get_u32(&r);
	m->rate_per_sec = get_u32(&r);
	m->global_burst = get_u32(&r);
	m->global_per_sec = get_u32(&r);
	if (m->rate_burst == 0 || m->rate_per_sec == 0 || m->global_burst == 0 ||
	    m->global_per_sec == 0)
		r.bad = true;
	return rd_end(&r, m, sizeof(*m));
}

void actmsg_encode_ready(uint8_t *buf, size_t *len)
{
	buf[0] = ACTMSG_READY;
	*len = 1;
}

static void put_assertion(struct wr *w, const struct proto_assertion *a)
{
	put_bytes(w, a->cred_id, a->cred_id_len, PROTO_CRED_ID_MAX);
	put_bytes(w, a->auth_data, a->auth_data_len, PROTO_AUTHDATA_MAX);
	put_bytes(w, a->sig, a->sig_len, PROTO_SIG_MAX);
}

static void put_cred(struct wr *w, const struct proto_cred *c)
{
	put_u32(w, (uint32_t)c->alg);
	put_bytes(w, c->id, c->id_len, PROTO_CRED_ID_MAX);
	put_bytes(w, c->pk, c->pk_len, sizeof(c->pk));
	put_u32(w, c->sign_count);
	put_u8(w, c->uv);
}

int actmsg_encode_op(uint8_t *buf, size_t *len, enum actmsg_type type, const struct actmsg_op *m)
{
	const struct proto_request *q = &m->req;
	struct wr w = {.p = buf};

	*len = 0;
	if (!op_type(type))
		return -EINVAL;
	put_u8(&w, (uint8_t)type);
	put_u32(&w, m->seq);
	put_u8(&w, m->key);
	put(&w, m->src, sizeof(m->src));
	put_u64(&w, m->challenge.time);
	put(&w, m->challenge.tag, PROTO_TAG_LEN);
	put_u8(&w, m->has_static);
	put(&w, m->static_pub, KEY_LEN);
	put_u32(&w, q->fields);
	put_u64(&w, q->client_time);
	put_u8(&w, (uint8_t)q->target.kind);
	put(&w, q->target.key, KEY_LEN);
	put_str(&w, q->target.name, PROTO_NAME_MAX);
	put_assertion(&w, &q->assertion);
	put(&w, q->code, PROTO_CODE_LEN);
	put_cred(&w, &q->cred);
	return wr_end(&w, len);
}

int actmsg_decode_op(struct actmsg_op *m, enum actmsg_type type, const uint8_t *msg, size_t len)
{
	struct proto_request *q = &m->req;
	struct proto_assertion *a = &q->assertion;
	struct proto_cred *c = &q->cred;
	struct rd r;

	memset(m, 0, sizeof(*m));
	rd_init(&r, msg, len, (uint8_t)type);
	if (!op_type(type))
		r.bad = true;
	q->op = (uint8_t)(type - ACTMSG_OPS);
	m->seq = get_u32(&r);
	m->key = get_u8(&r);
	get_raw(&r, m->src, sizeof(m->src));
	m->challenge.time = get_u64(&r);
	get_raw(&r, m->challenge.tag, PROTO_TAG_LEN);
	m->has_static = get_bool(&r);
	get_raw(&r, m->static_pub, KEY_LEN);
	q->fields = get_u32(&r);
	q->client_time = get_u64(&r);
	q->target.kind = (enum proto_target_kind)get_u8(&r);
	get_raw(&r, q->target.key, KEY_LEN);
	get_str(&r, q->target.name, PROTO_NAME_MAX);
	a->cred_id_len = get_bytes(&r, a->cred_id, PROTO_CRED_ID_MAX);
	a->auth_data_len = get_bytes(&r, a->auth_data, PROTO_AUTHDATA_MAX);
	a->sig_len = get_bytes(&r, a->sig, PROTO_SIG_MAX);
	get_raw(&r, q->code, PROTO_CODE_LEN);
	c->alg = (int)get_u32(&r);
	c->id_len = get_bytes(&r, c->id, PROTO_CRED_ID_MAX);
	c->pk_len = get_bytes(&r, c->pk, sizeof(c->pk));
	c->sign_count = get_u32(&r);
	c->uv = get_bool(&r);
	if (m->key > 1 || q->fields >= PROTO_REQ_NEW_CRED << 1 ||
	    q->target.kind > PROTO_TARGET_NAME)
		r.bad = true;
	if (q->target.kind == PROTO_TARGET_NAME &&
	    !proto_name_valid(q->target.name, strlen(q->target.name)))
		r.bad = true;
	if (q->target.kind != PROTO_TARGET_NAME && q->target.name[0] != '\0')
		r.bad = true;
	if (c->alg != 0 && c->alg != PROTO_COSE_ES256 && c->alg != PROTO_COSE_EDDSA)
		r.bad = true;
	return rd_end(&r, m, sizeof(*m));
}

int actmsg_encode_result(uint8_t *buf, size_t *len, const struct actmsg_result *m)
{
	const struct proto_reply *p = &m->rep;
	struct wr w = {.p = buf};

	put_u8(&w, ACTMSG_RESULT);
	put_u32(&w, m->seq);
	put_u32(&w, p->fields);
	put_u8(&w, p->status);
	put_u64(&w, p->seconds_left);
	put(&w, p->psk, KEY_LEN);
	put_str(&w, p->peer, PROTO_NAME_MAX);
	put_str(&w, p->owner, PROTO_NAME_MAX);
	put(&w, p->gw_wg_key, KEY_LEN);
	put_str(&w, p->wg_endpoint, PROTO_ENDPOINT_MAX);
	put_str(&w, p->addresses, PROTO_ADDRESSES_MAX);
	put_str(&w, p->allowed_ips, PROTO_ALLOWED_IPS_MAX);
	put_str(&w, p->rp_id, PROTO_RP_ID_MAX);
	put_str(&w, p->key_id, PROTO_NAME_MAX);
	put_u8(&w, p->state);
	put_u8(&w, p->end_reason);
	put_u64(&w, p->idle_seconds);
	put_u64(&w, (uint64_t)p->skew);
	put(&w, p->peer_key, KEY_LEN);
	return wr_end(&w, len);
}

int actmsg_decode_result(struct actmsg_result *m, const uint8_t *msg, size_t len)
{
	struct proto_reply *p = &m->rep;
	struct rd r;

	memset(m, 0, sizeof(*m));
	rd_init(&r, msg, len, ACTMSG_RESULT);
	m->seq = get_u32(&r);
	p->fields = get_u32(&r);
	p->status = get_u8(&r);
	p->seconds_left = get_u64(&r);
	get_raw(&r, p->psk, KEY_LEN);
	get_str(&r, p->peer, PROTO_NAME_MAX);
	get_str(&r, p->owner, PROTO_NAME_MAX);
	get_raw(&r, p->gw_wg_key, KEY_LEN);
	get_str(&r, p->wg_endpoint, PROTO_ENDPOINT_MAX);
	get_str(&r, p->addresses, PROTO_ADDRESSES_MAX);
	get_str(&r, p->allowed_ips, PROTO_ALLOWED_IPS_MAX);
	get_str(&r, p->rp_id, PROTO_RP_ID_MAX);
	get_str(&r, p->key_id, PROTO_NAME_MAX);
	p->state = get_u8(&r);
	p->end_reason = get_u8(&r);
	p->idle_seconds = get_u64(&r);
	p->skew = (int64_t)get_u64(&r);
	get_raw(&r, p->peer_key, KEY_LEN);
	if (p->status > PROTO_ERR_WIRE_MAX || p->end_reason > PROTO_END_MAX ||
	    p->fields >= PROTO_REP_PEER_KEY << 1)
		r.bad = true;
	return rd_end(&r, m, sizeof(*m));
}

/* The counters in the order of struct actstats. */
int actmsg_encode_stats(uint8_t *buf, size_t *len, const struct actstats *m)
{
	struct wr w = {.p = buf};

	put_u8(&w, ACTMSG_STATS);
	for (size_t i = 0; i < ACTSTATS_N; i++)
		put_u64(&w, actstats_get(m, i));
	return wr_end(&w, len);
}

int actmsg_decode_stats(struct actstats *m, const uint8_t *msg, size_t len)
{
	struct rd r;

	rd_init(&r, msg, len, ACTMSG_STATS);
	for (size_t i = 0; i < ACTSTATS_N; i++)
		actstats_set(m, i, get_u64(&r));
	return rd_end(&r, m, sizeof(*m));
}

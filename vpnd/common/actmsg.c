/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "common/actmsg.h"
#include "common/mailmsg.h"
#include "common/wire.h"
#include "common/webmsg.h"

static void rd_init(struct wire_rd *r, const uint8_t *msg, size_t len, uint8_t type)
{
	*r = (struct wire_rd){.p = msg, .len = len};
	if (len > ACTMSG_MAX || wire_get_u8(r) != type)
		r->bad = true;
}

static int rd_end(struct wire_rd *r, void *out, size_t size)
{
	if (wire_rd_done(r))
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
	case ACTMSG_METRICS:
	case ACTMSG_MAIL_REFUSED:
		return msg[0];
	default:
		return op_type(msg[0]) ? msg[0] : -EBADMSG;
	}
}

int actmsg_encode_init(uint8_t *buf, size_t *len, const struct actmsg_init *m)
{
	struct wire_wr w = {.p = buf, .cap = ACTMSG_MAX};

	wire_put_u8(&w, ACTMSG_INIT);
	wire_put(&w, m->act_sk, KEY_LEN);
	wire_put(&w, m->prev_sk, KEY_LEN);
	wire_put_u64(&w, m->prev_until);
	wire_put(&w, m->retired_pk, KEY_LEN);
	wire_put_u32(&w, m->rate_burst);
	wire_put_u32(&w, m->rate_per_sec);
	wire_put_u32(&w, m->global_burst);
	wire_put_u32(&w, m->global_per_sec);
	return wire_wr_end(&w, len);
}

int actmsg_decode_init(struct actmsg_init *m, const uint8_t *msg, size_t len)
{
	struct wire_rd r;

	rd_init(&r, msg, len, ACTMSG_INIT);
	wire_get_raw(&r, m->act_sk, KEY_LEN);
	wire_get_raw(&r, m->prev_sk, KEY_LEN);
	m->prev_until = wire_get_u64(&r);
	wire_get_raw(&r, m->retired_pk, KEY_LEN);
	m->rate_burst = wire_get_u32(&r);
	m->rate_per_sec = wire_get_u32(&r);
	m->global_burst = wire_get_u32(&r);
	m->global_per_sec = wire_get_u32(&r);
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

static void put_assertion(struct wire_wr *w, const struct proto_assertion *a)
{
	wire_put_short(w, a->cred_id, a->cred_id_len, PROTO_CRED_ID_MAX);
	wire_put_short(w, a->auth_data, a->auth_data_len, PROTO_AUTHDATA_MAX);
	wire_put_short(w, a->sig, a->sig_len, PROTO_SIG_MAX);
}

static void put_cred(struct wire_wr *w, const struct proto_cred *c)
{
	wire_put_u32(w, (uint32_t)c->alg);
	wire_put_short(w, c->id, c->id_len, PROTO_CRED_ID_MAX);
	wire_put_short(w, c->pk, c->pk_len, sizeof(c->pk));
	wire_put_u32(w, c->sign_count);
	wire_put_u8(w, c->uv);
}

int actmsg_encode_op(uint8_t *buf, size_t *len, enum actmsg_type type, const struct actmsg_op *m)
{
	const struct proto_request *q = &m->req;
	struct wire_wr w = {.p = buf, .cap = ACTMSG_MAX};

	*len = 0;
	if (!op_type(type))
		return -EINVAL;
	wire_put_u8(&w, (uint8_t)type);
	wire_put_u32(&w, m->seq);
	wire_put_u8(&w, m->key);
	wire_put(&w, m->src, sizeof(m->src));
	wire_put_u64(&w, m->challenge.time);
	wire_put(&w, m->challenge.tag, PROTO_TAG_LEN);
	wire_put_u8(&w, m->has_static);
	wire_put(&w, m->static_pub, KEY_LEN);
	wire_put_u32(&w, q->fields);
	wire_put_u64(&w, q->client_time);
	wire_put_u8(&w, (uint8_t)q->target.kind);
	wire_put(&w, q->target.key, KEY_LEN);
	wire_put_str_short(&w, q->target.name, PROTO_NAME_MAX);
	put_assertion(&w, &q->assertion);
	wire_put(&w, q->code, PROTO_CODE_LEN);
	put_cred(&w, &q->cred);
	return wire_wr_end(&w, len);
}

int actmsg_decode_op(struct actmsg_op *m, enum actmsg_type type, const uint8_t *msg, size_t len)
{
	struct proto_request *q = &m->req;
	struct proto_assertion *a = &q->assertion;
	struct proto_cred *c = &q->cred;
	struct wire_rd r;

	memset(m, 0, sizeof(*m));
	rd_init(&r, msg, len, (uint8_t)type);
	if (!op_type(type))
		r.bad = true;
	q->op = (uint8_t)(type - ACTMSG_OPS);
	m->seq = wire_get_u32(&r);
	m->key = wire_get_u8(&r);
	wire_get_raw(&r, m->src, sizeof(m->src));
	m->challenge.time = wire_get_u64(&r);
	wire_get_raw(&r, m->challenge.tag, PROTO_TAG_LEN);
	m->has_static = wire_get_bool(&r);
	wire_get_raw(&r, m->static_pub, KEY_LEN);
	q->fields = wire_get_u32(&r);
	q->client_time = wire_get_u64(&r);
	q->target.kind = (enum proto_target_kind)wire_get_u8(&r);
	wire_get_raw(&r, q->target.key, KEY_LEN);
	wire_get_str_short(&r, q->target.name, PROTO_NAME_MAX);
	a->cred_id_len = wire_get_short(&r, a->cred_id, PROTO_CRED_ID_MAX);
	a->auth_data_len = wire_get_short(&r, a->auth_data, PROTO_AUTHDATA_MAX);
	a->sig_len = wire_get_short(&r, a->sig, PROTO_SIG_MAX);
	wire_get_raw(&r, q->code, PROTO_CODE_LEN);
	c->alg = (int)wire_get_u32(&r);
	c->id_len = wire_get_short(&r, c->id, PROTO_CRED_ID_MAX);
	c->pk_len = wire_get_short(&r, c->pk, sizeof(c->pk));
	c->sign_count = wire_get_u32(&r);
	c->uv = wire_get_bool(&r);
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
	struct wire_wr w = {.p = buf, .cap = ACTMSG_MAX};

	wire_put_u8(&w, ACTMSG_RESULT);
	wire_put_u32(&w, m->seq);
	wire_put_u32(&w, p->fields);
	wire_put_u8(&w, p->status);
	wire_put_u64(&w, p->seconds_left);
	wire_put(&w, p->psk, KEY_LEN);
	wire_put_str_short(&w, p->peer, PROTO_NAME_MAX);
	wire_put_str_short(&w, p->owner, PROTO_NAME_MAX);
	wire_put(&w, p->gw_wg_key, KEY_LEN);
	wire_put_str_short(&w, p->wg_endpoint, PROTO_ENDPOINT_MAX);
	wire_put_str_short(&w, p->addresses, PROTO_ADDRESSES_MAX);
	wire_put_str_short(&w, p->allowed_ips, PROTO_ALLOWED_IPS_MAX);
	wire_put_str_short(&w, p->rp_id, PROTO_RP_ID_MAX);
	wire_put_str_short(&w, p->key_id, PROTO_NAME_MAX);
	wire_put_u8(&w, p->state);
	wire_put_u8(&w, p->end_reason);
	wire_put_u64(&w, p->idle_seconds);
	wire_put_u64(&w, (uint64_t)p->skew);
	wire_put(&w, p->peer_key, KEY_LEN);
	return wire_wr_end(&w, len);
}

int actmsg_decode_result(struct actmsg_result *m, const uint8_t *msg, size_t len)
{
	struct proto_reply *p = &m->rep;
	struct wire_rd r;

	memset(m, 0, sizeof(*m));
	rd_init(&r, msg, len, ACTMSG_RESULT);
	m->seq = wire_get_u32(&r);
	p->fields = wire_get_u32(&r);
	p->status = wire_get_u8(&r);
	p->seconds_left = wire_get_u64(&r);
	wire_get_raw(&r, p->psk, KEY_LEN);
	wire_get_str_short(&r, p->peer, PROTO_NAME_MAX);
	wire_get_str_short(&r, p->owner, PROTO_NAME_MAX);
	wire_get_raw(&r, p->gw_wg_key, KEY_LEN);
	wire_get_str_short(&r, p->wg_endpoint, PROTO_ENDPOINT_MAX);
	wire_get_str_short(&r, p->addresses, PROTO_ADDRESSES_MAX);
	wire_get_str_short(&r, p->allowed_ips, PROTO_ALLOWED_IPS_MAX);
	wire_get_str_short(&r, p->rp_id, PROTO_RP_ID_MAX);
	wire_get_str_short(&r, p->key_id, PROTO_NAME_MAX);
	p->state = wire_get_u8(&r);
	p->end_reason = wire_get_u8(&r);
	p->idle_seconds = wire_get_u64(&r);
	p->skew = (int64_t)wire_get_u64(&r);
	wire_get_raw(&r, p->peer_key, KEY_LEN);
	if (p->status > PROTO_ERR_WIRE_MAX || p->end_reason > PROTO_END_MAX ||
	    p->fields >= PROTO_REP_PEER_KEY << 1)
		r.bad = true;
	return rd_end(&r, m, sizeof(*m));
}

/* The counters in the order of struct actstats. */
int actmsg_encode_stats(uint8_t *buf, size_t *len, const struct actstats *m)
{
	struct wire_wr w = {.p = buf, .cap = ACTMSG_MAX};

	wire_put_u8(&w, ACTMSG_STATS);
	for (size_t i = 0; i < ACTSTATS_N; i++)
		wire_put_u64(&w, actstats_get(m, i));
	return wire_wr_end(&w, len);
}

int actmsg_decode_stats(struct actstats *m, const uint8_t *msg, size_t len)
{
	struct wire_rd r;

	rd_init(&r, msg, len, ACTMSG_STATS);
	for (size_t i = 0; i < ACTSTATS_N; i++)
		actstats_set(m, i, wire_get_u64(&r));
	return rd_end(&r, m, sizeof(*m));
}

/* SPDX-License-Identifier: ISC */
/*
 * The activation operations, in the monitor. The network child
 * (vpnd/netchild.c) does everything up to a decrypted, well-formed request
 * and sends it here as an ACTMSG_OP (vpnd/privsep.c); here each operation
 * meets vpnd's registry, its sessions and the interface, and every
 * argument is checked again as if the child lied: the peer known and
 * enabled, the device the one it claims, the new credential one we can
 * verify; activation.c checks the assertions.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "monitor/activation.h"
#include "monitor/activation_ops.h"
#include "monitor/audit.h"
#include "base/clock.h"
#include "state/enrollcode.h"
#include "base/log.h"

static void fill_session(struct proto_reply *rep, const struct reg_peer *p, const struct session *s)
{
	uint64_t now = clock_boot_ns();

	rep->fields |= PROTO_REP_PEER | PROTO_REP_OWNER | PROTO_REP_STATE;
	snprintf(rep->peer, sizeof(rep->peer), "%s", p->name);
	snprintf(rep->owner, sizeof(rep->owner), "%s", p->owner->name);
	rep->state = s != NULL;
	if (s != NULL) {
		uint64_t end = session_deadline(s);

		rep->fields |= PROTO_REP_SECONDS_LEFT;
		rep->seconds_left = end > now ? (end - now) / NS_PER_SEC : 0;
	}
}

static int op_activate(const struct actmsg_op *o, const uint8_t src[18], struct proto_reply *rep)
{
	struct reg_peer *p = activation_target(&o->req);
	struct vpnd_open vo = {.uid = (uid_t)-1};
	uint8_t psk[KEY_LEN];
	struct reg_cred *c = NULL;
	struct session *s = NULL;
	char by[24], err[ERR_LEN];
	enum proto_err e;
	bool own;

	if (p == NULL || !p->has_key)
		return activation_refuse(rep, PROTO_ERR_NOT_ENROLLED, "activate", NULL, src);
	if (p->disabled)
		return activation_refuse(rep, PROTO_ERR_PEER_DISABLED, "activate", p->name, src);
	/* The device itself, proven by its key: a fresh PSK for this session. */
	own = o->has_static && sodium_memcmp(o->static_pub, p->key, KEY_LEN) == 0;
	/* A laptop gets its PSK only from its own request; opened from
	 * elsewhere it would be on the interface without one. */
	if (p->kind == REG_LAPTOP && !own)
		return activation_refuse(rep, PROTO_ERR_NOT_PERMITTED, "activate", p->name, src);
	e = activation_check_assertion(o, p, "activate", NULL, rep, &c);
	if (e != PROTO_OK)
		return activation_refuse(rep, e, "activate", p->name, src);
	if (p->kind == REG_LAPTOP) {
		key_generate_preshared(psk);
		vo.psk = psk;
	}
	snprintf(by, sizeof(by), "key:%s", c->id);
	vo.by = by;
	if (vpnd_session_open(activation_vpnd(), p, &vo, &s, err) < 0) {
		log_error("activation of '%s': %s", p->name, err);
		sodium_memzero(psk, sizeof(psk));
		return activation_refuse(rep, PROTO_ERR_INTERNAL, "activate", p->name, src);
	}
	rep->status = PROTO_OK;
	fill_session(rep, p, s);
	if (vo.psk != NULL) {
		rep->fields |= PROTO_REP_PSK;
		memcpy(rep->psk, psk, KEY_LEN);
		sodium_memzero(psk, sizeof(psk));
	}
	return 0;
}

/* The wg-quick side of an enrollment reply. */
static void fill_config(struct proto_reply *rep, const struct reg_peer *p)
{
	const struct conf *c = &activation_vpnd()->conf;
	size_t n = 0;

	rep->fields |= PROTO_REP_GW_WG_KEY | PROTO_REP_WG_ENDPOINT | PROTO_REP_ADDRESSES |
		       PROTO_REP_ALLOWED_IPS | PROTO_REP_RP_ID;
	memcpy(rep->gw_wg_key, activation_vpnd()->public_key, KEY_LEN);
	snprintf(rep->wg_endpoint, sizeof(rep->wg_endpoint),
		 strchr(c->endpoint_host, ':') != NULL ? "[%s]:%u" : "%s:%u", c->endpoint_host,
		 c->listen_port);
	ipaddr_format(&p->addr, rep->addresses, sizeof(rep->addresses), false);
	strncat(rep->addresses, p->addr.family == AF_INET6 ? "/128" : "/32",
		sizeof(rep->addresses) - strlen(rep->addresses) - 1);
	/* The gateway's own tunnel addresses: where the mail server listens. */
	for (int i = 0; i < c->n_addresses; i++) {
		char a[64];

		ipaddr_format(&c->addresses[i], a, sizeof(a), false);
		n += (size_t)snprintf(rep->allowed_ips + n, sizeof(rep->allowed_ips) - n, "%s%s%s",
				      i > 0 ? ", " : "", a,
				      c->addresses[i].family == AF_INET6 ? "/128" : "/32");
		if (n >= sizeof(rep->allowed_ips))
			break;
	}
	snprintf(rep->rp_id, sizeof(rep->rp_id), "%s", ACTIVATION_RP_ID);
}

static int op_enroll(const struct actmsg_op *o, const uint8_t src[18], struct proto_reply *rep)
{
	char code[ENROLLCODE_STR_LEN + 1], err[ERR_LEN];
	struct reg_peer *p = NULL;
	struct reg_cred *c = NULL;
	int r;

	sodium_bin2base64(code, sizeof(code), o->req.code, PROTO_CODE_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r = registry_code_redeem(activation_vpnd()->reg, code, &p);
	sodium_memzero(code, sizeof(code));
	if (r == -ETIMEDOUT)
		return activation_refuse(rep, PROTO_ERR_CODE_EXPIRED, "enroll", NULL, src);
	if (r < 0 || p == NULL)
		return activation_refuse(rep, PROTO_ERR_CODE_UNKNOWN, "enroll", NULL, src);
	/* The code is spent from here on, whatever follows. */
	vpnd_save_registry(activation_vpnd(), err);
	if (p->owner->require_uv && !o->req.cred.uv)
		return activation_refuse(rep, PROTO_ERR_UV_REQUIRED, "enroll", p->name, src);
	if (!p->has_key) {
		if (!o->has_static)
			return activation_refuse(rep, PROTO_ERR_NOT_PERMITTED, "enroll", p->name,
						 src);
		if (registry_peer_set_key(activation_vpnd()->reg, p, o->static_pub) < 0)
			return activation_refuse(rep, PROTO_ERR_WRONG_TARGET, "enroll", p->name,
						 src);
		fill_config(rep, p);
	} else {
		/* Made elsewhere (--public-key): only the security key enrolls. */
		rep->fields |= PROTO_REP_PEER_KEY | PROTO_REP_RP_ID;
		memcpy(rep->peer_key, p->key, KEY_LEN);
		snprintf(rep->rp_id, sizeof(rep->rp_id), "%s", ACTIVATION_RP_ID);
	}
	if (registry_cred_add(activation_vpnd()->reg, p->owner,
			      o->req.cred.alg == PROTO_COSE_EDDSA ? REG_EDDSA : REG_ES256,
			      o->req.cred.pk, o->req.cred.pk_len, o->req.cred.id,
			      o->req.cred.id_len, &c) < 0)
		return activation_refuse(rep, PROTO_ERR_INTERNAL, "enroll", p->name, src);
	registry_cred_set_counter(activation_vpnd()->reg, c, o->req.cred.sign_count);
	if (vpnd_save_registry(activation_vpnd(), err) < 0)
		return activation_refuse(rep, PROTO_ERR_INTERNAL, "enroll", p->name, src);
	audit_event("enrolled", "peer", p->name, "owner", p->owner->name, "key", c->id, NULL);
	rep->status = PROTO_OK;
	rep->fields |= PROTO_REP_PEER | PROTO_REP_OWNER | PROTO_REP_KEY_ID;
	snprintf(rep->peer, sizeof(rep->peer), "%s", p->name);
	snprintf(rep->owner, sizeof(rep->owner), "%s", p->owner->name);
	snprintf(rep->key_id, sizeof(rep->key_id), "%s", c->id);
	return 0;
}

static int op_add_key(const struct actmsg_op *o, const uint8_t src[18], struct proto_reply *rep)
{
	struct reg_peer *p = activation_target(&o->req);
	struct reg_cred *c = NULL, *nc = NULL;
	uint8_t digest[32];
	char err[ERR_LEN];
	enum proto_err e;

	if (p == NULL)
		return activation_refuse(rep, PROTO_ERR_NOT_ENROLLED, "add-key", NULL, src);
	proto_cred_digest(digest, &o->req.cred);
	e = activation_check_assertion(o, p, "add-key", digest, rep, &c);
	if (e != PROTO_OK)
		return activation_refuse(rep, e, "add-key", p->name, src);
	if (p->owner->require_uv && !o->req.cred.uv)
		return activation_refuse(rep, PROTO_ERR_UV_REQUIRED, "add-key", p->name, src);
	if (registry_cred_add(activation_vpnd()->reg, p->owner,
			      o->req.cred.alg == PROTO_COSE_EDDSA ? REG_EDDSA : REG_ES256,
			      o->req.cred.pk, o->req.cred.pk_len, o->req.cred.id,
			      o->req.cred.id_len, &nc) < 0)
		return activation_refuse(rep, PROTO_ERR_INTERNAL, "add-key", p->name, src);
	registry_cred_set_counter(activation_vpnd()->reg, nc, o->req.cred.sign_count);
	if (vpnd_save_registry(activation_vpnd(), err) < 0)
		return activation_refuse(rep, PROTO_ERR_INTERNAL, "add-key", p->name, src);
	audit_event("key-added", "owner", p->owner->name, "key", nc->id, "by", c->id, NULL);
	rep->status = PROTO_OK;
	rep->fields |= PROTO_REP_KEY_ID | PROTO_REP_OWNER;
	snprintf(rep->key_id, sizeof(rep->key_id), "%s", nc->id);
	snprintf(rep->owner, sizeof(rep->owner), "%s", p->owner->name);
	return 0;
}

/* STATUS of another peer (a phone): asked by an enabled device of the same
 * owner, which could activate it anyway. */
static bool owner_device(const struct actmsg_op *o, const struct reg_peer *p)
{
	const struct reg_peer *dev = registry_peer_find_key(activation_vpnd()->reg, o->static_pub);

	return o->req.op == PROTO_OP_STATUS && dev != NULL && !dev->disabled &&
	       dev->owner == p->owner;
}

/* DEACTIVATE and STATUS: the device's own key; STATUS also its owner's. */
static int op_device(const struct actmsg_op *o, const uint8_t src[18], struct proto_reply *rep)
{
	const char *op = o->req.op == PROTO_OP_STATUS ? "status" : "deactivate";
	struct reg_peer *p = activation_target(&o->req);
	struct session *s;
	const struct end_note *e;

	if (p == NULL || !p->has_key)
		return activation_refuse(rep, PROTO_ERR_NOT_ENROLLED, op, NULL, src);
	if (!o->has_static ||
	    (sodium_memcmp(o->static_pub, p->key, KEY_LEN) != 0 && !owner_device(o, p)))
		return activation_refuse(rep, PROTO_ERR_NOT_PERMITTED, op, p->name, src);
	s = sessions_find(&activation_vpnd()->sessions, p->name);
	if (o->req.op == PROTO_OP_DEACTIVATE && s != NULL) {
		vpnd_session_end(activation_vpnd(), s, "down", p->name);
		s = NULL;
	}
	rep->status = PROTO_OK;
	fill_session(rep, p, s);
	if (s == NULL) {
		e = activation_end_of(p->name);
		rep->fields |= PROTO_REP_END_REASON;
		rep->end_reason = p->disabled ? PROTO_END_REVOKED
				  : e != NULL ? e->reason
					      : PROTO_END_NONE;
		if (e != NULL && e->reason == PROTO_END_IDLE) {
			rep->fields |= PROTO_REP_IDLE_SECONDS;
			rep->idle_seconds = e->idle;
		}
	}
	return 0;
}

/* A new credential as the child passed it: an algorithm we verify and a
 * key of that algorithm's size. */
static bool cred_valid(const struct proto_request *q)
{
	const struct proto_cred *c = &q->cred;

	if ((q->fields & PROTO_REQ_NEW_CRED) == 0 || c->id_len == 0)
		return false;
	if (c->alg == PROTO_COSE_ES256)
		return c->pk_len == 64;
	return c->alg == PROTO_COSE_EDDSA && c->pk_len == 32;
}

static bool key_zero(const uint8_t k[KEY_LEN])
{
	uint8_t z = 0;

	for (size_t i = 0; i < KEY_LEN; i++)
		z |= k[i];
	return z == 0;
}

int activation_op(const struct actmsg_op *o, struct proto_reply *rep)
{
	const uint8_t *src = o->src;

	rep->status = PROTO_OK;
	/* What the child sent decoded strictly; what it means is checked
	 * here again. */
	if (o->has_static && key_zero(o->static_pub))
		return activation_refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, src);
	if (o->req.op != PROTO_OP_ENROLL && o->req.target.kind == PROTO_TARGET_NONE)
		return activation_refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, src);
	switch (o->req.op) {
	case PROTO_OP_ACTIVATE:
		return op_activate(o, src, rep);
	case PROTO_OP_ENROLL:
		if ((o->req.fields & PROTO_REQ_CODE) == 0 || !cred_valid(&o->req))
			return activation_refuse(rep, PROTO_ERR_BAD_REQUEST, "enroll", NULL, src);
		return op_enroll(o, src, rep);
	case PROTO_OP_ADD_KEY:
		if (!cred_valid(&o->req))
			return activation_refuse(rep, PROTO_ERR_BAD_REQUEST, "add-key", NULL, src);
		return op_add_key(o, src, rep);
	case PROTO_OP_DEACTIVATE:
	case PROTO_OP_STATUS:
		return op_device(o, src, rep);
	default:
		return activation_refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, src);
	}
}

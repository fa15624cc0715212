/* SPDX-License-Identifier: ISC */
/*
 * The activation operations (ops.h). The network child (netchild/) does
 * everything up to a decrypted, well-formed request and sends it here as
 * the message of its operation (dispatch.c); here each operation meets
 * vpnd's registry, its sessions and the interface, and every argument is
 * checked again as if the child lied: the peer known and enabled, the
 * device the one it claims, the new credential one we can verify;
 * verify.c checks the assertions. What an operation changes in the
 * registry is on disk before it is granted: an activation's counter in
 * the journal with its session (opact.c, gate.c, state/journal.h), what
 * enrollment and key addition change in the registry's files (saved()).
 *
 * Below dispatch.c and opact.c; above verify.c, gate.c, ends.c and
 * daemon.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "monitor/actport.h"
#include "monitor/audit.h"
#include "base/clock.h"
#include "state/enrollcode.h"
#include "base/log.h"
#include "monitor/ends.h"
#include "monitor/gate.h"
#include "monitor/ops.h"
#include "monitor/verify.h"

/* The source the child reports: for audit lines only, never trusted. */
static void addr_text(char *buf, size_t len, const uint8_t src[18])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char a[INET6_ADDRSTRLEN] = "?";

	if (memcmp(src, mapped, 12) == 0)
		inet_ntop(AF_INET, src + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, src, a, sizeof(a));
	snprintf(buf, len, "%s", a);
}

/* Audits the refusal and sets rep's status; returns 0: a refusal is an
 * answer. */
int ops_refuse(struct proto_reply *rep, enum proto_err code, const char *op, const char *peer,
	       const uint8_t src[18])
{
	char a[INET6_ADDRSTRLEN];

	addr_text(a, sizeof(a), src);
	audit_event("activation-refused", "op", op, "peer", peer != NULL ? peer : "-", "reason",
		    proto_errname(code), "src", a, NULL);
	rep->status = (uint8_t)code;
	return 0;
}

/* Writes what an operation changed. On false the caller undoes its change
 * and refuses with STATE_NOT_SAVED: what vpnd cannot keep it does not
 * grant, so a spent code or a grown counter never comes back after a
 * restart, and memory says what the disk says. */
static bool saved(struct vpnd *d)
{
	char err[ERR_LEN];

	return daemon_save_registry(d, err) == 0;
}

/* The peer a request names; NULL when there is none by that key or name. */
struct reg_peer *ops_target(struct vpnd *d, const struct proto_request *req)
{
	if (req->target.kind == PROTO_TARGET_KEY)
		return registry_peer_find_key(d->reg, req->target.key);
	if (req->target.kind == PROTO_TARGET_NAME)
		return registry_peer_find(d->reg, req->target.name);
	return NULL;
}

static bool key_zero(const uint8_t k[KEY_LEN])
{
	uint8_t z = 0;

	for (size_t i = 0; i < KEY_LEN; i++)
		z |= k[i];
	return z == 0;
}

/* What the child sent decoded strictly; what it means is checked here
 * again. True when the request is refused for its form. */
bool ops_malformed(const struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep)
{
	rep->status = PROTO_OK;
	/* Made under a key whose grace is over by our clock. */
	if (actport_request_key(d->actport, o->key) == NULL ||
	    (o->has_static && key_zero(o->static_pub)) ||
	    (o->req.op != PROTO_OP_ENROLL && o->req.target.kind == PROTO_TARGET_NONE)) {
		ops_refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, o->src);
		return true;
	}
	return false;
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

static enum reg_alg cred_alg(const struct proto_cred *c)
{
	return c->alg == PROTO_COSE_EDDSA ? REG_EDDSA : REG_ES256;
}

/* The peer's tunnel addresses, one per network: "10.77.0.2/32,
 * fd77::2/128". The field was a list from the start, so clients older
 * than dual-stack tunnels read both. */
static void fill_addresses(struct proto_reply *rep, const struct reg_peer *p)
{
	struct ipaddr pa[REG_ADDRS_MAX];
	int na = registry_addr_list(p, pa);
	size_t m = 0;

	rep->fields |= PROTO_REP_ADDRESSES;
	rep->addresses[0] = '\0';
	for (int i = 0; i < na && m < sizeof(rep->addresses); i++) {
		char a[IPADDR_STR_LEN];

		ipaddr_format(&pa[i], a, sizeof(a), true);
		m += (size_t)snprintf(rep->addresses + m, sizeof(rep->addresses) - m, "%s%s",
				      i > 0 ? ", " : "", a);
	}
}

void ops_fill_session(struct proto_reply *rep, const struct reg_peer *p, const struct session *s)
{
	uint64_t now = clock_boot_ns();

	rep->fields |= PROTO_REP_PEER | PROTO_REP_OWNER | PROTO_REP_STATE;
	snprintf(rep->peer, sizeof(rep->peer), "%s", p->name);
	snprintf(rep->owner, sizeof(rep->owner), "%s", p->owner->name);
	/* A laptop enrolled before the interface had a network of the other
	 * family learns its new address here (enroll up). */
	fill_addresses(rep, p);
	rep->state = s != NULL;
	if (s != NULL) {
		uint64_t end = session_deadline(s);

		rep->fields |= PROTO_REP_SECONDS_LEFT;
		rep->seconds_left = end > now ? (end - now) / NS_PER_SEC : 0;
	}
}

/* The wg-quick side of an enrollment reply. */
static void fill_config(const struct vpnd *d, struct proto_reply *rep, const struct reg_peer *p)
{
	const struct conf *c = &d->conf;
	size_t n = 0;

	rep->fields |= PROTO_REP_GW_WG_KEY | PROTO_REP_WG_ENDPOINT | PROTO_REP_ADDRESSES |
		       PROTO_REP_ALLOWED_IPS | PROTO_REP_RP_ID;
	memcpy(rep->gw_wg_key, d->public_key, KEY_LEN);
	snprintf(rep->wg_endpoint, sizeof(rep->wg_endpoint),
		 strchr(c->endpoint_host, ':') != NULL ? "[%s]:%u" : "%s:%u", c->endpoint_host,
		 c->listen_port);
	fill_addresses(rep, p);
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
	snprintf(rep->rp_id, sizeof(rep->rp_id), "%s", verify_rp_id(d));
}

/* The code of an ENROLL, taken from the registry; the refusal, or PROTO_OK
 * with *out owned by the caller. */
static enum proto_err take_code(struct vpnd *d, const struct actmsg_op *o, struct reg_code **out,
				struct reg_peer **peer)
{
	char code[ENROLLCODE_STR_LEN + 1];
	int r;

	sodium_bin2base64(code, sizeof(code), o->req.code, PROTO_CODE_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r = registry_code_take(d->reg, code, out);
	sodium_memzero(code, sizeof(code));
	if (r == -ETIMEDOUT) {
		/* Worthless now: forgotten if the disk lets us, kept otherwise. */
		saved(d);
		return PROTO_ERR_CODE_EXPIRED;
	}
	if (r < 0)
		return PROTO_ERR_CODE_UNKNOWN;
	*peer = registry_peer_find(d->reg, (*out)->peer);
	if (*peer == NULL) {
		free(*out);
		*out = NULL;
		return PROTO_ERR_CODE_UNKNOWN;
	}
	return PROTO_OK;
}

/* A code enrolls a key for an owner who has keys already only with an
 * assertion of one of them, or when the admin made it for key recovery
 * (`peer add --new-key`): a leaked code alone adds no key that would
 * open all of the owner's peers. */
static bool needs_key(const struct actmsg_op *o, const struct reg_code *rc,
		      const struct reg_peer *p)
{
	return !(o->req.fields & PROTO_REQ_ASSERTION) && !rc->new_key &&
	       registry_cred_active(p->owner) > 0;
}

int ops_enroll(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep)
{
	const uint8_t *src = o->src;
	struct reg_code *rc = NULL;
	struct reg_peer *p = NULL;
	struct reg_cred *c = NULL, *auth = NULL;
	uint8_t digest[32];
	uint32_t count = 0, prev = 0;
	enum proto_err e;
	bool had_key, new_key;

	if (ops_malformed(d, o, rep))
		return 0;
	if ((o->req.fields & PROTO_REQ_CODE) == 0 || !cred_valid(&o->req))
		return ops_refuse(rep, PROTO_ERR_BAD_REQUEST, "enroll", NULL, src);
	if ((e = daemon_store_ready(d)) != PROTO_OK)
		return ops_refuse(rep, e, "enroll", NULL, src);
	e = take_code(d, o, &rc, &p);
	if (e != PROTO_OK)
		return ops_refuse(rep, e, "enroll", NULL, src);
	if (needs_key(o, rc, p)) {
		/* Nothing was tried: the code stays for a request that signs. */
		registry_code_put_back(d->reg, rc);
		return ops_refuse(rep, PROTO_ERR_KEY_REQUIRED, "enroll", p->name, src);
	}
	/* The code is spent from here on, whatever follows, and on disk
	 * before anything else happens. */
	if (!saved(d)) {
		registry_code_put_back(d->reg, rc);
		return ops_refuse(rep, PROTO_ERR_STATE_NOT_SAVED, "enroll", p->name, src);
	}
	new_key = rc->new_key;
	sodium_memzero(rc, sizeof(*rc));
	free(rc);
	if (p->disabled)
		return ops_refuse(rep, PROTO_ERR_PEER_DISABLED, "enroll", p->name, src);
	if (p->owner->require_uv && !o->req.cred.uv)
		return ops_refuse(rep, PROTO_ERR_UV_REQUIRED, "enroll", p->name, src);
	if (o->req.fields & PROTO_REQ_ASSERTION) {
		proto_cred_digest(digest, &o->req.cred);
		e = verify_assertion(d, o, p, PROTO_PURPOSE_ENROLL_AUTH, digest, rep, &auth,
				     &count);
		if (e != PROTO_OK)
			return ops_refuse(rep, e, "enroll", p->name, src);
	}
	had_key = p->has_key;
	if (!had_key) {
		if (!o->has_static)
			return ops_refuse(rep, PROTO_ERR_NOT_PERMITTED, "enroll", p->name, src);
		if (registry_peer_set_key(d->reg, p, o->static_pub) < 0)
			return ops_refuse(rep, PROTO_ERR_WRONG_TARGET, "enroll", p->name, src);
	}
	if (registry_cred_add(d->reg, p->owner, cred_alg(&o->req.cred), o->req.cred.pk,
			      o->req.cred.pk_len, o->req.cred.id, o->req.cred.id_len, &c) < 0) {
		if (!had_key)
			registry_peer_clear_key(d->reg, p);
		return ops_refuse(rep, PROTO_ERR_INTERNAL, "enroll", p->name, src);
	}
	c->counter = o->req.cred.sign_count;
	if (auth != NULL) {
		snprintf(c->by_key, sizeof(c->by_key), "%s", auth->id);
		prev = auth->counter;
		registry_cred_set_counter(d->reg, auth, count);
	}
	if (!saved(d)) {
		registry_cred_remove(d->reg, p->owner, c);
		if (!had_key)
			registry_peer_clear_key(d->reg, p);
		if (auth != NULL)
			registry_cred_set_counter(d->reg, auth, prev);
		return ops_refuse(rep, PROTO_ERR_STATE_NOT_SAVED, "enroll", p->name, src);
	}
	audit_event("enrolled", "peer", p->name, "owner", p->owner->name, "key", c->id, "by-key",
		    auth != NULL ? auth->id : "-", "code", new_key ? "new-key" : "plain", NULL);
	rep->status = PROTO_OK;
	if (!had_key) {
		fill_config(d, rep, p);
	} else {
		/* Made elsewhere (--public-key): only the security key enrolls. */
		rep->fields |= PROTO_REP_PEER_KEY | PROTO_REP_RP_ID;
		memcpy(rep->peer_key, p->key, KEY_LEN);
		snprintf(rep->rp_id, sizeof(rep->rp_id), "%s", verify_rp_id(d));
	}
	rep->fields |= PROTO_REP_PEER | PROTO_REP_OWNER | PROTO_REP_KEY_ID;
	snprintf(rep->peer, sizeof(rep->peer), "%s", p->name);
	snprintf(rep->owner, sizeof(rep->owner), "%s", p->owner->name);
	snprintf(rep->key_id, sizeof(rep->key_id), "%s", c->id);
	return 0;
}

/* The laptop that asks to add a key: its device proof, an enabled laptop
 * of the target's owner. The refusal, or PROTO_OK and *out. */
static enum proto_err adding_device(struct vpnd *d, const struct actmsg_op *o,
				    const struct reg_peer *p, struct reg_peer **out)
{
	struct reg_peer *dev = o->has_static ? registry_peer_find_key(d->reg, o->static_pub) : NULL;

	if (dev == NULL || dev->kind != REG_LAPTOP || dev->owner != p->owner)
		return PROTO_ERR_NOT_PERMITTED;
	if (dev->disabled)
		return PROTO_ERR_PEER_DISABLED;
	*out = dev;
	return PROTO_OK;
}

/* A key and a device together add a key: an assertion of a key of the
 * owner's, and the device proof of one of the owner's enabled laptops, so
 * that neither a stolen key nor a stolen laptop alone can. */
int ops_add_key(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep)
{
	const uint8_t *src = o->src;
	struct reg_peer *p = ops_target(d, &o->req), *dev = NULL;
	struct reg_cred *c = NULL, *nc = NULL;
	uint8_t digest[32];
	uint32_t count = 0, prev;
	enum proto_err e;

	if (ops_malformed(d, o, rep))
		return 0;
	if ((e = daemon_store_ready(d)) != PROTO_OK)
		return ops_refuse(rep, e, "add-key", p != NULL ? p->name : NULL, src);
	if (!cred_valid(&o->req))
		return ops_refuse(rep, PROTO_ERR_BAD_REQUEST, "add-key", NULL, src);
	if (p == NULL)
		return ops_refuse(rep, PROTO_ERR_NOT_ENROLLED, "add-key", NULL, src);
	e = adding_device(d, o, p, &dev);
	if (e != PROTO_OK)
		return ops_refuse(rep, e, "add-key", p->name, src);
	proto_cred_digest(digest, &o->req.cred);
	e = verify_assertion(d, o, p, "add-key", digest, rep, &c, &count);
	if (e != PROTO_OK)
		return ops_refuse(rep, e, "add-key", p->name, src);
	if (p->owner->require_uv && !o->req.cred.uv)
		return ops_refuse(rep, PROTO_ERR_UV_REQUIRED, "add-key", p->name, src);
	if (registry_cred_add(d->reg, p->owner, cred_alg(&o->req.cred), o->req.cred.pk,
			      o->req.cred.pk_len, o->req.cred.id, o->req.cred.id_len, &nc) < 0)
		return ops_refuse(rep, PROTO_ERR_INTERNAL, "add-key", p->name, src);
	nc->counter = o->req.cred.sign_count;
	snprintf(nc->by_key, sizeof(nc->by_key), "%s", c->id);
	snprintf(nc->by_device, sizeof(nc->by_device), "%s", dev->name);
	prev = c->counter;
	registry_cred_set_counter(d->reg, c, count);
	if (!saved(d)) {
		registry_cred_remove(d->reg, p->owner, nc);
		registry_cred_set_counter(d->reg, c, prev);
		return ops_refuse(rep, PROTO_ERR_STATE_NOT_SAVED, "add-key", p->name, src);
	}
	audit_event("key-added", "owner", p->owner->name, "key", nc->id, "by-key", c->id,
		    "by-device", dev->name, NULL);
	rep->status = PROTO_OK;
	rep->fields |= PROTO_REP_KEY_ID | PROTO_REP_OWNER;
	snprintf(rep->key_id, sizeof(rep->key_id), "%s", nc->id);
	snprintf(rep->owner, sizeof(rep->owner), "%s", p->owner->name);
	return 0;
}

/* STATUS of another peer (a phone): asked by an enabled device of the same
 * owner, which could activate it anyway. */
static bool owner_device(const struct vpnd *d, const struct actmsg_op *o, const struct reg_peer *p)
{
	const struct reg_peer *dev = registry_peer_find_key(d->reg, o->static_pub);

	return o->req.op == PROTO_OP_STATUS && dev != NULL && !dev->disabled &&
	       dev->owner == p->owner;
}

/* DEACTIVATE and STATUS: the device's own key; STATUS also its owner's. */
static int device(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep)
{
	const char *op = o->req.op == PROTO_OP_STATUS ? "status" : "deactivate";
	const uint8_t *src = o->src;
	struct reg_peer *p = ops_target(d, &o->req);
	struct session *s;
	const struct end_note *e;

	if (ops_malformed(d, o, rep))
		return 0;
	if (p == NULL || !p->has_key)
		return ops_refuse(rep, PROTO_ERR_NOT_ENROLLED, op, NULL, src);
	if (!o->has_static ||
	    (sodium_memcmp(o->static_pub, p->key, KEY_LEN) != 0 && !owner_device(d, o, p)))
		return ops_refuse(rep, PROTO_ERR_NOT_PERMITTED, op, p->name, src);
	s = session_find(&d->sessions, p->name);
	if (o->req.op == PROTO_OP_DEACTIVATE && s != NULL) {
		gate_session_end(d, s, "down", p->name);
		s = NULL;
	}
	rep->status = PROTO_OK;
	ops_fill_session(rep, p, s);
	if (s == NULL) {
		e = ends_find(d->ends, p->name);
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

int ops_deactivate(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep)
{
	return device(d, o, rep);
}

int ops_status(struct vpnd *d, const struct actmsg_op *o, struct proto_reply *rep)
{
	return device(d, o, rep);
}

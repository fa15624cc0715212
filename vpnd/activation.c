/* SPDX-License-Identifier: ISC */
/*
 * The activation operations, in the monitor. The network child
 * (vpnd/netchild.c) does everything up to a decrypted, well-formed request
 * and sends it here as an ACTMSG_OP (vpnd/privsep.c); here each operation
 * meets vpnd's registry, its sessions and the interface, and every
 * argument is checked again as if the child lied: the peer known and
 * enabled, the credential its owner's and not locked, the assertion
 * verified here against a challenge that is fresh and not used before,
 * the counter growing. Every refusal is audited with its reason; keys,
 * PSKs, codes and assertions never reach a log.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "activation.h"
#include "assertion.h"
#include "audit.h"
#include "clock.h"
#include "ctl.h"
#include "enrollcode.h"
#include "lockout.h"
#include "log.h"
#include "privsep.h"
#include "replay.h"

#define RP_ID        PROTO_DEFAULT_RP_ID
#define END_SLOTS    1024 /* remembered session ends, for STATUS */
#define VERIFIER_MAX 4096 /* cached credential keys */
#define USED_SLOTS   4096 /* challenges of verified assertions, for their lifetime */

struct end_note {
	char peer[NAME_MAX_LEN + 1];
	uint8_t reason;
	uint64_t idle;
};

/* A slot holds the verifier of exactly one public key: the short id names
 * a credential for people, but it is 32 bits of a hash of a credential ID
 * that the client chooses, so it cannot name the cached key. */
struct verifier_slot {
	char owner[NAME_MAX_LEN + 1];
	enum reg_alg alg;
	uint8_t pubkey[REG_CRED_PK_MAX];
	size_t pubkey_len;
	struct assertion_verifier *v;
};

static struct {
	struct vpnd *d;
	uint8_t act_pub[KEY_LEN];
	struct replay_cache *used;
	uint64_t locked_refusals;
	struct end_note ends[END_SLOTS];
	struct verifier_slot verifiers[VERIFIER_MAX];
} A;

static size_t slot_of(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (size_t)(h % n);
}

void activation_note_end(const char *peer, const char *reason, uint64_t idle_seconds)
{
	struct end_note *e = &A.ends[slot_of(peer, END_SLOTS)];
	uint8_t r = PROTO_END_REVOKED;

	if (strcmp(reason, "expired") == 0)
		r = PROTO_END_WINDOW;
	else if (strcmp(reason, "idle") == 0)
		r = PROTO_END_IDLE;
	else if (strcmp(reason, "killed") == 0)
		r = PROTO_END_KILLED;
	else if (strcmp(reason, "down") == 0)
		r = PROTO_END_DOWN;
	snprintf(e->peer, sizeof(e->peer), "%s", peer);
	e->reason = r;
	e->idle = idle_seconds;
}

static const struct end_note *end_of(const char *peer)
{
	const struct end_note *e = &A.ends[slot_of(peer, END_SLOTS)];

	return strcmp(e->peer, peer) == 0 ? e : NULL;
}

static struct assertion_verifier *verifier_for(const struct reg_owner *o, const struct reg_cred *c)
{
	struct verifier_slot *s = &A.verifiers[slot_of(c->id, VERIFIER_MAX)];
	struct assertion_key k = {.alg = c->alg == REG_EDDSA ? PROTO_COSE_EDDSA : PROTO_COSE_ES256};

	if (s->v != NULL && strcmp(s->owner, o->name) == 0 && s->alg == c->alg &&
	    s->pubkey_len == c->pubkey_len && memcmp(s->pubkey, c->pubkey, c->pubkey_len) == 0)
		return s->v;
	assertion_verifier_destroy(&s->v);
	/* The registry may keep ES256 keys with their 0x04 prefix. */
	if (c->pubkey_len == 65) {
		memcpy(k.pk, c->pubkey + 1, 64);
		k.pk_len = 64;
	} else {
		memcpy(k.pk, c->pubkey, c->pubkey_len);
		k.pk_len = c->pubkey_len;
	}
	if (assertion_verifier_create(&s->v, &k) < 0)
		return NULL;
	snprintf(s->owner, sizeof(s->owner), "%s", o->name);
	s->alg = c->alg;
	memcpy(s->pubkey, c->pubkey, c->pubkey_len);
	s->pubkey_len = c->pubkey_len;
	return s->v;
}

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

static int refuse(struct proto_reply *rep, enum proto_err code, const char *op, const char *peer,
		  const uint8_t src[18])
{
	char a[INET6_ADDRSTRLEN];

	addr_text(a, sizeof(a), src);
	audit_event("activation-refused", "op", op, "peer", peer != NULL ? peer : "-", "reason",
		    proto_errname(code), "src", a, NULL);
	rep->status = (uint8_t)code;
	return 0;
}

/* The peer a request names; NULL when there is none by that key or name. */
static struct reg_peer *target_peer(const struct proto_request *req)
{
	if (req->target.kind == PROTO_TARGET_KEY)
		return registry_peer_find_key(A.d->reg, req->target.key);
	if (req->target.kind == PROTO_TARGET_NAME)
		return registry_peer_find(A.d->reg, req->target.name);
	return NULL;
}

/* The challenge the assertion signs: the child checked its tag, but a
 * child that lies could offer an old one with an old assertion. Its time
 * is our own boot clock's; a challenge whose assertion verified is spent. */
static enum proto_err check_challenge(const struct proto_challenge *ch, uint64_t now)
{
	if (ch->time > now + 1)
		return PROTO_ERR_CHALLENGE_BAD;
	if (ch->time + PROTO_CHALLENGE_LIFE < now)
		return PROTO_ERR_CHALLENGE_EXPIRED;
	if (replay_contains(A.used, ch->tag, now))
		return PROTO_ERR_REPLAYED;
	return PROTO_OK;
}

static void audit_locked(const struct reg_owner *ow, const struct reg_cred *c)
{
	char fails[16], secs[16];

	snprintf(fails, sizeof(fails), "%d", LOCKOUT_FAILS);
	snprintf(secs, sizeof(secs), "%ds", LOCKOUT_TIME);
	audit_event("key-locked", "owner", ow->name, "key", c->id, "failures", fails, "for", secs,
		    NULL);
}

/* The assertion checks of docs/protocol.md 6.2, steps 2-4. A refusal for
 * a locked credential tells, in rep, when it unlocks. */
static enum proto_err check_assertion(const struct actmsg_op *op, struct reg_peer *p,
				      const char *purpose, const uint8_t *extra,
				      struct proto_reply *rep, struct reg_cred **out)
{
	const struct proto_assertion *as = &op->req.assertion;
	struct reg_owner *ow = p->owner;
	struct reg_cred *c = registry_cred_find_credid(ow, as->cred_id, as->cred_id_len);
	struct assertion_policy pol = {.rp_id = RP_ID, .require_uv = ow->require_uv};
	struct assertion_verifier *v;
	uint64_t now = clock_boot_ns() / NS_PER_SEC, locked;
	enum proto_err e;
	uint8_t cdh[32];
	uint32_t count = 0;
	char err[ERR_LEN];

	if ((op->req.fields & PROTO_REQ_ASSERTION) == 0)
		return PROTO_ERR_BAD_REQUEST;
	if (c == NULL)
		return PROTO_ERR_CREDENTIAL_UNKNOWN;
	if (c->revoked)
		return PROTO_ERR_CREDENTIAL_REVOKED;
	locked = lockout_left(ow->name, c->id, now);
	if (locked > 0) {
		A.locked_refusals++;
		rep->fields |= PROTO_REP_SECONDS_LEFT;
		rep->seconds_left = locked;
		return PROTO_ERR_KEY_LOCKED;
	}
	e = check_challenge(&op->challenge, now);
	if (e != PROTO_OK)
		return e;
	v = verifier_for(ow, c);
	if (v == NULL)
		return PROTO_ERR_INTERNAL;
	pol.stored_count = c->counter;
	proto_client_data_hash(cdh, purpose, A.act_pub, &op->req.target, &op->challenge, extra);
	e = assertion_check(v, &pol, cdh, as, &count);
	if (e == PROTO_ERR_COUNTER_REGRESSED) {
		char was[16], got[16];

		snprintf(was, sizeof(was), "%u", c->counter);
		snprintf(got, sizeof(got), "%u", count);
		audit_event("counter-regressed", "owner", ow->name, "key", c->id, "stored", was,
			    "got", got, "flag", "possibly-cloned", NULL);
	}
	if (e != PROTO_OK) {
		if (lockout_fail(ow->name, c->id, now))
			audit_locked(ow, c);
		return e;
	}
	lockout_clear(ow->name, c->id, now);
	/* Spent: refused should it come again, through any child. */
	if (replay_insert(A.used, op->challenge.tag, op->challenge.time + PROTO_CHALLENGE_LIFE + 1,
			  now) < 0)
		return PROTO_ERR_RATE_LIMITED;
	registry_cred_set_counter(A.d->reg, c, count);
	vpnd_save_registry(A.d, err);
	*out = c;
	return PROTO_OK;
}

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
	struct reg_peer *p = target_peer(&o->req);
	struct vpnd_open vo = {.uid = (uid_t)-1};
	uint8_t psk[KEY_LEN];
	struct reg_cred *c = NULL;
	struct session *s = NULL;
	char by[24], err[ERR_LEN];
	enum proto_err e;
	bool own;

	if (p == NULL || !p->has_key)
		return refuse(rep, PROTO_ERR_NOT_ENROLLED, "activate", NULL, src);
	if (p->disabled)
		return refuse(rep, PROTO_ERR_PEER_DISABLED, "activate", p->name, src);
	/* The device itself, proven by its key: a fresh PSK for this session. */
	own = o->has_static && sodium_memcmp(o->static_pub, p->key, KEY_LEN) == 0;
	/* A laptop gets its PSK only from its own request; opened from
	 * elsewhere it would be on the interface without one. */
	if (p->kind == REG_LAPTOP && !own)
		return refuse(rep, PROTO_ERR_NOT_PERMITTED, "activate", p->name, src);
	e = check_assertion(o, p, "activate", NULL, rep, &c);
	if (e != PROTO_OK)
		return refuse(rep, e, "activate", p->name, src);
	if (p->kind == REG_LAPTOP) {
		key_generate_preshared(psk);
		vo.psk = psk;
	}
	snprintf(by, sizeof(by), "key:%s", c->id);
	vo.by = by;
	if (vpnd_session_open(A.d, p, &vo, &s, err) < 0) {
		log_error("activation of '%s': %s", p->name, err);
		sodium_memzero(psk, sizeof(psk));
		return refuse(rep, PROTO_ERR_INTERNAL, "activate", p->name, src);
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
	const struct conf *c = &A.d->conf;
	size_t n = 0;

	rep->fields |= PROTO_REP_GW_WG_KEY | PROTO_REP_WG_ENDPOINT | PROTO_REP_ADDRESSES |
		       PROTO_REP_ALLOWED_IPS | PROTO_REP_RP_ID;
	memcpy(rep->gw_wg_key, A.d->public_key, KEY_LEN);
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
	snprintf(rep->rp_id, sizeof(rep->rp_id), "%s", RP_ID);
}

static int op_enroll(const struct actmsg_op *o, const uint8_t src[18], struct proto_reply *rep)
{
	char code[ENROLLCODE_STR_LEN + 1], err[ERR_LEN];
	struct reg_peer *p = NULL;
	struct reg_cred *c = NULL;
	int r;

	sodium_bin2base64(code, sizeof(code), o->req.code, PROTO_CODE_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r = registry_code_redeem(A.d->reg, code, &p);
	sodium_memzero(code, sizeof(code));
	if (r == -ETIMEDOUT)
		return refuse(rep, PROTO_ERR_CODE_EXPIRED, "enroll", NULL, src);
	if (r < 0 || p == NULL)
		return refuse(rep, PROTO_ERR_CODE_UNKNOWN, "enroll", NULL, src);
	/* The code is spent from here on, whatever follows. */
	vpnd_save_registry(A.d, err);
	if (p->owner->require_uv && !o->req.cred.uv)
		return refuse(rep, PROTO_ERR_UV_REQUIRED, "enroll", p->name, src);
	if (!p->has_key) {
		if (!o->has_static)
			return refuse(rep, PROTO_ERR_NOT_PERMITTED, "enroll", p->name, src);
		if (registry_peer_set_key(A.d->reg, p, o->static_pub) < 0)
			return refuse(rep, PROTO_ERR_WRONG_TARGET, "enroll", p->name, src);
		fill_config(rep, p);
	} else {
		/* Made elsewhere (--public-key): only the security key enrolls. */
		rep->fields |= PROTO_REP_PEER_KEY | PROTO_REP_RP_ID;
		memcpy(rep->peer_key, p->key, KEY_LEN);
		snprintf(rep->rp_id, sizeof(rep->rp_id), "%s", RP_ID);
	}
	if (registry_cred_add(
		    A.d->reg, p->owner, o->req.cred.alg == PROTO_COSE_EDDSA ? REG_EDDSA : REG_ES256,
		    o->req.cred.pk, o->req.cred.pk_len, o->req.cred.id, o->req.cred.id_len, &c) < 0)
		return refuse(rep, PROTO_ERR_INTERNAL, "enroll", p->name, src);
	registry_cred_set_counter(A.d->reg, c, o->req.cred.sign_count);
	if (vpnd_save_registry(A.d, err) < 0)
		return refuse(rep, PROTO_ERR_INTERNAL, "enroll", p->name, src);
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
	struct reg_peer *p = target_peer(&o->req);
	struct reg_cred *c = NULL, *nc = NULL;
	uint8_t digest[32];
	char err[ERR_LEN];
	enum proto_err e;

	if (p == NULL)
		return refuse(rep, PROTO_ERR_NOT_ENROLLED, "add-key", NULL, src);
	proto_cred_digest(digest, &o->req.cred);
	e = check_assertion(o, p, "add-key", digest, rep, &c);
	if (e != PROTO_OK)
		return refuse(rep, e, "add-key", p->name, src);
	if (p->owner->require_uv && !o->req.cred.uv)
		return refuse(rep, PROTO_ERR_UV_REQUIRED, "add-key", p->name, src);
	if (registry_cred_add(A.d->reg, p->owner,
			      o->req.cred.alg == PROTO_COSE_EDDSA ? REG_EDDSA : REG_ES256,
			      o->req.cred.pk, o->req.cred.pk_len, o->req.cred.id,
			      o->req.cred.id_len, &nc) < 0)
		return refuse(rep, PROTO_ERR_INTERNAL, "add-key", p->name, src);
	registry_cred_set_counter(A.d->reg, nc, o->req.cred.sign_count);
	if (vpnd_save_registry(A.d, err) < 0)
		return refuse(rep, PROTO_ERR_INTERNAL, "add-key", p->name, src);
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
	const struct reg_peer *dev = registry_peer_find_key(A.d->reg, o->static_pub);

	return o->req.op == PROTO_OP_STATUS && dev != NULL && !dev->disabled &&
	       dev->owner == p->owner;
}

/* DEACTIVATE and STATUS: the device's own key; STATUS also its owner's. */
static int op_device(const struct actmsg_op *o, const uint8_t src[18], struct proto_reply *rep)
{
	const char *op = o->req.op == PROTO_OP_STATUS ? "status" : "deactivate";
	struct reg_peer *p = target_peer(&o->req);
	struct session *s;
	const struct end_note *e;

	if (p == NULL || !p->has_key)
		return refuse(rep, PROTO_ERR_NOT_ENROLLED, op, NULL, src);
	if (!o->has_static ||
	    (sodium_memcmp(o->static_pub, p->key, KEY_LEN) != 0 && !owner_device(o, p)))
		return refuse(rep, PROTO_ERR_NOT_PERMITTED, op, p->name, src);
	s = sessions_find(&A.d->sessions, p->name);
	if (o->req.op == PROTO_OP_DEACTIVATE && s != NULL) {
		vpnd_session_end(A.d, s, "down", p->name);
		s = NULL;
	}
	rep->status = PROTO_OK;
	fill_session(rep, p, s);
	if (s == NULL) {
		e = end_of(p->name);
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
		return refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, src);
	if (o->req.op != PROTO_OP_ENROLL && o->req.target.kind == PROTO_TARGET_NONE)
		return refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, src);
	switch (o->req.op) {
	case PROTO_OP_ACTIVATE:
		return op_activate(o, src, rep);
	case PROTO_OP_ENROLL:
		if ((o->req.fields & PROTO_REQ_CODE) == 0 || !cred_valid(&o->req))
			return refuse(rep, PROTO_ERR_BAD_REQUEST, "enroll", NULL, src);
		return op_enroll(o, src, rep);
	case PROTO_OP_ADD_KEY:
		if (!cred_valid(&o->req))
			return refuse(rep, PROTO_ERR_BAD_REQUEST, "add-key", NULL, src);
		return op_add_key(o, src, rep);
	case PROTO_OP_DEACTIVATE:
	case PROTO_OP_STATUS:
		return op_device(o, src, rep);
	default:
		return refuse(rep, PROTO_ERR_BAD_REQUEST, "request", NULL, src);
	}
}

static int bind_port(uint16_t port)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	int off = 0, fd;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
			return fd;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int activation_open(struct vpnd *d)
{
	uint8_t act_sk[KEY_LEN];
	int fd, r;

	A.d = d;
	lockout_init();
	r = replay_create(&A.used, USED_SLOTS);
	if (r < 0)
		return r;
	proto_activation_key(act_sk, d->private_key);
	crypto_scalarmult_base(A.act_pub, act_sk);
	/* Bound here, while vpnd may still bind a port below 1024; the
	 * network child only ever gets the socket. */
	fd = bind_port(d->conf.activation_port);
	if (fd < 0) {
		log_error("cannot listen on UDP port %u for activations: %s",
			  d->conf.activation_port, strerror(-fd));
		sodium_memzero(act_sk, sizeof(act_sk));
		return fd;
	}
	r = privsep_open(d, fd, act_sk);
	sodium_memzero(act_sk, sizeof(act_sk));
	return r;
}

void activation_close(struct vpnd *d)
{
	privsep_close(d);
	for (size_t i = 0; i < VERIFIER_MAX; i++)
		assertion_verifier_destroy(&A.verifiers[i].v);
	replay_destroy(&A.used);
}

void activation_public_key(const struct vpnd *d, uint8_t pub[KEY_LEN])
{
	uint8_t sk[KEY_LEN];

	proto_activation_key(sk, d->private_key);
	crypto_scalarmult_base(pub, sk);
	sodium_memzero(sk, sizeof(sk));
}

void activation_status_fields(struct strbuf *o)
{
	const struct actserver_stats *st = privsep_stats();
	uint64_t refused = 0;

	for (int i = 1; i <= PROTO_ERR_WIRE_MAX; i++)
		refused += st->replies[i];
#define F(name, v) ctl_add_fieldf(o, name, "%llu", (unsigned long long)(v))
	F("act-received", st->received);
	F("act-drop-socket", st->drop_socket);
	F("act-drop-malformed", st->drop_malformed);
	F("act-drop-mac0", st->drop_mac0);
	F("act-drop-mac1", st->drop_mac1);
	F("act-drop-rate", st->drop_rate);
	F("act-drop-global", st->drop_global);
	F("act-drop-challenge", st->drop_challenge);
	F("act-drop-replay", st->drop_replay);
	F("act-drop-undecryptable", st->drop_decrypt);
	F("act-drop-busy", st->drop_busy);
	F("act-hellos", st->hellos);
	F("act-retransmits", st->retransmits);
	F("act-requests", st->requests);
	F("act-ok", st->replies[PROTO_OK]);
	F("act-refused", refused);
	F("act-locked-refusals", A.locked_refusals);
	F("act-keys-locked", lockout_count(clock_boot_ns() / NS_PER_SEC));
#undef F
	privsep_status_fields(o);
}

/* SPDX-License-Identifier: ISC */
/*
 * The activation port in the monitor: the socket it binds for the network
 * child (vpnd/netchild.c), its counters, and the checks the operations of
 * activation_ops.c make again as if the child lied: the credential its
 * owner's and not locked, the assertion verified here against a challenge
 * that is fresh and not used before, the counter growing. Every refusal
 * is audited with its reason; keys, PSKs, codes and assertions never
 * reach a log.
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

#include "monitor/activation.h"
#include "monitor/activation_ops.h"
#include "monitor/assertion.h"
#include "monitor/audit.h"
#include "base/clock.h"
#include "gateway/ctl.h"
#include "monitor/lockout.h"
#include "base/log.h"
#include "monitor/privsep.h"
#include "common/replay.h"

#define END_SLOTS    1024 /* remembered session ends, for STATUS */
#define VERIFIER_MAX 4096 /* cached credential keys */
#define USED_SLOTS   4096 /* challenges of verified assertions, for their lifetime */

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

struct vpnd *activation_vpnd(void)
{
	return A.d;
}

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

const struct end_note *activation_end_of(const char *peer)
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

int activation_refuse(struct proto_reply *rep, enum proto_err code, const char *op,
		      const char *peer, const uint8_t src[18])
{
	char a[INET6_ADDRSTRLEN];

	addr_text(a, sizeof(a), src);
	audit_event("activation-refused", "op", op, "peer", peer != NULL ? peer : "-", "reason",
		    proto_errname(code), "src", a, NULL);
	rep->status = (uint8_t)code;
	return 0;
}

struct reg_peer *activation_target(const struct proto_request *req)
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

enum proto_err activation_check_assertion(const struct actmsg_op *op, struct reg_peer *p,
					  const char *purpose, const uint8_t *extra,
					  struct proto_reply *rep, struct reg_cred **out)
{
	const struct proto_assertion *as = &op->req.assertion;
	struct reg_owner *ow = p->owner;
	struct reg_cred *c = registry_cred_find_credid(ow, as->cred_id, as->cred_id_len);
	struct assertion_policy pol = {.rp_id = ACTIVATION_RP_ID, .require_uv = ow->require_uv};
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

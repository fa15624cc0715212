/* SPDX-License-Identifier: ISC */
/*
 * The activation protocol of docs/protocol.md: packet layouts, mac1, the
 * key schedule, CBOR payloads, stateless challenges and the FIDO2
 * clientDataHash. Both sides use it: enroll builds HELLOs and REQUESTs and
 * opens REPLYs; vpnd answers HELLOs and opens REQUESTs. Nothing here does
 * I/O, reads a clock or keeps state beyond the structs the caller owns.
 *
 * Functions return 0 or -errno unless they return an enum proto_err.
 */
#ifndef KEYGATE_PROTO_H
#define KEYGATE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/key.h"
#include "base/text.h"

#define PROTO_VERSION         2
#define PROTO_HDR_LEN         4
#define PROTO_MAC_LEN         16
#define PROTO_COMMIT_LEN      32
#define PROTO_TAG_LEN         24
#define PROTO_HELLO_LEN       224 /* never smaller than the CHALLENGE that answers it */
#define PROTO_CHALLENGE_LEN   220
#define PROTO_SLOT_SIG_LEN    64 /* Ed25519: a slot key's certificate */
#define PROTO_SLOT_LEN        60 /* seconds of one gateway ephemeral (docs/protocol.md 3) */
#define PROTO_SLOTS           4  /* slot keys a gateway may hold: 3 live, one spare */
#define PROTO_REQUEST_LEN     1232
#define PROTO_ERROR_LEN       56
#define PROTO_REPLY_MIN       100
#define PROTO_REPLY_MAX       PROTO_REQUEST_LEN
#define PROTO_PAYLOAD_LEN     1052 /* request plaintext: CBOR and zero padding */
#define PROTO_REPLY_PT_MAX    (PROTO_REPLY_MAX - 36 - 16 - PROTO_MAC_LEN)
#define PROTO_CHALLENGE_LIFE  120                 /* seconds */
#define PROTO_MAX_SKEW        600                 /* seconds, client wall clock vs gateway */
#define PROTO_TIME_MAX        (UINT64_C(1) << 40) /* client_time: int64_t math stays safe */
#define PROTO_CODE_LEN        24
#define PROTO_CODE_B64_LEN    32
#define PROTO_NAME_MAX        32
#define PROTO_CRED_ID_MAX     255
#define PROTO_AUTHDATA_MIN    37
#define PROTO_AUTHDATA_MAX    128
#define PROTO_SIG_MIN         8
#define PROTO_SIG_MAX         80
#define PROTO_ENDPOINT_MAX    255
#define PROTO_ADDRESSES_MAX   128
#define PROTO_ALLOWED_IPS_MAX 255
#define PROTO_RP_ID_MAX       64
#define PROTO_DEFAULT_RP_ID   "keygate"
#define PROTO_COSE_ES256      (-7)
#define PROTO_COSE_EDDSA      (-8)

enum proto_type {
	PROTO_HELLO = 1,
	PROTO_CHALLENGE = 2,
	PROTO_REQUEST = 3,
	PROTO_REPLY = 4,
	PROTO_ERROR = 5,
};

enum proto_op {
	PROTO_OP_ACTIVATE = 1,
	PROTO_OP_ENROLL = 2,
	PROTO_OP_ADD_KEY = 3,
	PROTO_OP_DEACTIVATE = 4,
	PROTO_OP_STATUS = 5,
};

/* Codes below 64 travel on the wire; 64 and up are the client's own.
 * PROTO_ERR_WIRE_MAX is the highest this version sends; a client takes
 * any status up to PROTO_ERR_SEND_MAX, so that a code added later reaches
 * an older client as a refusal with a number (docs/protocol.md 8). */
enum proto_err {
	PROTO_OK = 0,
	PROTO_ERR_BAD_REQUEST = 1,
	PROTO_ERR_NOT_ENROLLED = 2,
	PROTO_ERR_PEER_DISABLED = 3,
	PROTO_ERR_CREDENTIAL_UNKNOWN = 4,
	PROTO_ERR_CREDENTIAL_REVOKED = 5,
	PROTO_ERR_BAD_SIGNATURE = 6,
	PROTO_ERR_NO_PRESENCE = 7,
	PROTO_ERR_UV_REQUIRED = 8,
	PROTO_ERR_COUNTER_REGRESSED = 9,
	PROTO_ERR_CODE_UNKNOWN = 10,
	PROTO_ERR_CODE_USED = 11,
	PROTO_ERR_CODE_EXPIRED = 12,
	PROTO_ERR_CHALLENGE_BAD = 13,
	PROTO_ERR_CHALLENGE_EXPIRED = 14,
	PROTO_ERR_REPLAYED = 15,
	PROTO_ERR_CLOCK_SKEW = 16,
	PROTO_ERR_RATE_LIMITED = 17,
	PROTO_ERR_WRONG_TARGET = 18,
	PROTO_ERR_NOT_PERMITTED = 19,
	PROTO_ERR_INTERNAL = 20,
	PROTO_ERR_KEY_LOCKED = 21,
	PROTO_ERR_STATE_NOT_SAVED = 22,
	PROTO_ERR_KEY_REQUIRED = 23,
	PROTO_ERR_KEY_ROTATED = 24,
	PROTO_ERR_VERSION = 25,
	PROTO_ERR_STORE_UNAVAILABLE = 26,
	PROTO_ERR_WIRE_MAX = 26,
	PROTO_ERR_SEND_MAX = 63,
	PROTO_ERR_WRONG_PIN = 64,
	PROTO_ERR_PIN_BLOCKED = 65,
	PROTO_ERR_NO_TOUCH = 66,
	PROTO_ERR_NO_ANSWER = 67,
	PROTO_ERR_NO_DEVICE = 68,
};

enum proto_end_reason {
	PROTO_END_NONE = 0,
	PROTO_END_WINDOW = 1,
	PROTO_END_IDLE = 2,
	PROTO_END_REVOKED = 3,
	PROTO_END_KILLED = 4,
	PROTO_END_DOWN = 5,
	PROTO_END_MAX = 5,
};

/* One line, no newline; for a code this version does not know, a line
 * that names its number. */
const char *proto_strerror(int code);
/* Short names for audit lines and counters: "counter_regressed". */
const char *proto_errname(int code);
/* May the code travel in a plain ERROR packet? */
bool proto_err_is_plain(int code);
/* "window ended" and so on; NULL for an unknown value. */
const char *proto_end_reason_str(int reason);
/* The FIDO purpose string of an op (section 6), NULL if it has none. */
const char *proto_op_purpose(int op);

/* The peer an operation is about (the commitment's and cdh's target). */
enum proto_target_kind {
	PROTO_TARGET_NONE = 0,
	PROTO_TARGET_KEY = 1,
	PROTO_TARGET_NAME = 2,
};
struct proto_target {
	enum proto_target_kind kind;
	uint8_t key[KEY_LEN];
	char name[PROTO_NAME_MAX + 1];
};
/* true for 1-32 bytes of [a-z0-9._-]. */
bool proto_name_valid(const char *name, size_t len);

struct proto_challenge {
	uint64_t time; /* gateway CLOCK_BOOTTIME seconds */
	uint8_t tag[PROTO_TAG_LEN];
};

/* --- CBOR payloads (proto_cbor.c, proto_cbor_decode.c) --- */

enum proto_req_field {
	PROTO_REQ_TARGET_KEY = 1U << 0,
	PROTO_REQ_TARGET_NAME = 1U << 1,
	PROTO_REQ_ASSERTION = 1U << 2,
	PROTO_REQ_CODE = 1U << 3,
	PROTO_REQ_NEW_CRED = 1U << 4,
};

struct proto_cred {
	int alg; /* PROTO_COSE_ES256 or PROTO_COSE_EDDSA */
	uint8_t id[PROTO_CRED_ID_MAX];
	size_t id_len;
	uint8_t pk[64]; /* ES256 x||y or EdDSA */
	size_t pk_len;
	uint32_t sign_count;
	bool uv;
};

struct proto_assertion {
	uint8_t cred_id[PROTO_CRED_ID_MAX];
	size_t cred_id_len;
	uint8_t auth_data[PROTO_AUTHDATA_MAX];
	size_t auth_data_len;
	uint8_t sig[PROTO_SIG_MAX];
	size_t sig_len;
};

/* The purpose of the assertion an ENROLL carries for an owner who has
 * keys already: an existing key signs for the new credential (its digest
 * is the clientDataHash's extra, as in ADD_KEY). */
#define PROTO_PURPOSE_ENROLL_AUTH "enroll-auth"

/* ACTIVATE and ADD_KEY carry an assertion (keys 6-8), ENROLL may. */
struct proto_request {
	uint32_t fields; /* enum proto_req_field */
	uint8_t op;
	uint8_t nonce[32];
	uint64_t client_time;
	struct proto_target target; /* from keys 3/4; kind NONE without */
	struct proto_assertion assertion;
	uint8_t code[PROTO_CODE_LEN];
	struct proto_cred cred;
};

enum proto_rep_field {
	PROTO_REP_SECONDS_LEFT = 1U << 0,
	PROTO_REP_PSK = 1U << 1,
	PROTO_REP_PEER = 1U << 2,
	PROTO_REP_OWNER = 1U << 3,
	PROTO_REP_GW_WG_KEY = 1U << 4,
	PROTO_REP_WG_ENDPOINT = 1U << 5,
	PROTO_REP_ADDRESSES = 1U << 6,
	PROTO_REP_ALLOWED_IPS = 1U << 7,
	PROTO_REP_RP_ID = 1U << 8,
	PROTO_REP_KEY_ID = 1U << 9,
	PROTO_REP_STATE = 1U << 10,
	PROTO_REP_END_REASON = 1U << 11,
	PROTO_REP_IDLE_SECONDS = 1U << 12,
	PROTO_REP_SKEW = 1U << 13,
	PROTO_REP_PEER_KEY = 1U << 14,
	PROTO_REP_ACT_KEY = 1U << 15,
};

struct proto_reply {
	uint32_t fields; /* enum proto_rep_field */
	uint8_t status;  /* enum proto_err, < 64 */
	uint64_t gateway_time;
	uint64_t seconds_left;
	uint8_t psk[KEY_LEN];
	char peer[PROTO_NAME_MAX + 1];
	char owner[PROTO_NAME_MAX + 1];
	uint8_t gw_wg_key[KEY_LEN];
	char wg_endpoint[PROTO_ENDPOINT_MAX + 1];
	char addresses[PROTO_ADDRESSES_MAX + 1];
	char allowed_ips[PROTO_ALLOWED_IPS_MAX + 1];
	char rp_id[PROTO_RP_ID_MAX + 1];
	char key_id[PROTO_NAME_MAX + 1];
	uint8_t state;
	uint8_t end_reason;
	uint64_t idle_seconds;
	int64_t skew;
	uint8_t peer_key[KEY_LEN];
	/* The gateway's current activation public key: in every reply to a
	 * request made under the key it replaced (docs/protocol.md 3.2). */
	uint8_t act_key[KEY_LEN];
};

/* Encodes as CBOR into buf and zero-pads to len (the request: exactly
 * PROTO_PAYLOAD_LEN). -EMSGSIZE if it does not fit, -EINVAL for a field out
 * of its range. */
int proto_request_encode(uint8_t *buf, size_t len, const struct proto_request *req);
/* Strict decoding (docs/protocol.md 5.1): one canonical map, then only zero
 * bytes. -EBADMSG for anything else. Also checks which fields the op needs. */
int proto_request_decode(struct proto_request *req, const uint8_t *buf, size_t len);
/* *outlen: the CBOR length padded to a multiple of 64 (at least 32). */
int proto_reply_encode(uint8_t *buf, size_t cap, size_t *outlen, const struct proto_reply *rep);
int proto_reply_decode(struct proto_reply *rep, const uint8_t *buf, size_t len);

/* --- wire and crypto (proto_wire.c, proto_crypto.c, proto_slot.c) --- */

/* The packet's type if its length and version fit that type; -EBADMSG
 * otherwise. Checks no MAC. */
int proto_packet_type(const uint8_t *pkt, size_t len);
/* A HELLO of a later version than this one (docs/protocol.md 4.1): its
 * sender hears PROTO_ERR_VERSION. */
bool proto_packet_is_newer_hello(const uint8_t *pkt, size_t len);

/* The two MACs every packet carries, keyed by the gateway's activation
 * public key (docs/protocol.md 4): mac0, 16 bits of SipHash over the
 * packet's first bytes, turns away blind garbage for the price of one
 * short hash; mac1, BLAKE2b over the whole packet, is the real check.
 * Their keys are the same in every version of the protocol. */
struct proto_macs {
	uint8_t k0[16];
	uint8_t k1[32];
};
void proto_macs_init(struct proto_macs *m, const uint8_t gw_pub[KEY_LEN]);
/* Sets mac0, then mac1 (which covers mac0). */
void proto_macs_set(uint8_t *pkt, size_t len, const struct proto_macs *m);
/* mac0 alone: it is part of the AEAD's associated data, so it is set
 * before anything is sealed. */
void proto_mac0_set(uint8_t *pkt, size_t len, const struct proto_macs *m);
/* For a packet whose type and length proto_packet_type accepted. */
bool proto_mac0_ok(const uint8_t *pkt, size_t len, const struct proto_macs *m);
bool proto_mac1_ok(const uint8_t *pkt, size_t len, const struct proto_macs *m);

/* Writes the 16 address bytes and the port of a sockaddr_in/in6 (IPv4 as
 * ::ffff:a.b.c.d); -EAFNOSUPPORT for other families. */
int proto_addr_bytes(uint8_t out[18], const struct sockaddr *sa);

void proto_commit(uint8_t commit[PROTO_COMMIT_LEN], const uint8_t nonce[32], uint8_t op,
		  const uint8_t eph_pub[KEY_LEN], const struct proto_target *target);
/* SHA-256 clientDataHash of section 6.1; extra is NULL or 32 bytes. */
void proto_client_data_hash(uint8_t cdh[32], const char *purpose, const uint8_t gw_pub[KEY_LEN],
			    const struct proto_target *target, const struct proto_challenge *ch,
			    const uint8_t *extra);
/* The `extra` of ADD_KEY: a digest of the new credential. */
void proto_cred_digest(uint8_t out[32], const struct proto_cred *cred);

/* --- the gateway's side --- */

/* The keys a gateway answers to: the current one and, during a
 * rotation's grace, the one it replaced. */
#define PROTO_GW_KEYS 2
/* proto_gw_key_of: a packet under a key that was retired. */
#define PROTO_KEY_RETIRED PROTO_GW_KEYS

struct proto_gwkey {
	uint8_t sk[KEY_LEN];
	uint8_t pk[KEY_LEN];    /* G: what URIs and enroll's state hold */
	uint8_t ed_pk[KEY_LEN]; /* the same scalar on Edwards25519: signs slot keys */
	struct proto_macs macs;
};

/* One slot's ephemeral key (docs/protocol.md 3.1), with its certificate
 * by each key; erased once every challenge of its slot has expired. */
struct proto_slot {
	uint64_t n;    /* boot seconds / PROTO_SLOT_LEN, plus 1; 0: empty */
	uint64_t wall; /* unix seconds when it was made: its certificates name it */
	uint8_t sk[KEY_LEN];
	uint8_t pk[KEY_LEN];
	uint8_t sig[PROTO_GW_KEYS][PROTO_SLOT_SIG_LEN];
};

struct proto_gateway {
	struct proto_gwkey key[PROTO_GW_KEYS];
	unsigned n_keys;
	/* A key retired (public half only): its users hear KEY_ROTATED. */
	bool has_retired;
	uint8_t retired_pk[KEY_LEN];
	struct proto_macs retired_macs;
	uint8_t challenge_secret[32];
	struct proto_slot slot[PROTO_SLOTS];
};
/* From the activation private key; makes a fresh challenge secret. */
int proto_gateway_init(struct proto_gateway *gw, const uint8_t act_sk[KEY_LEN]);
/* The key a rotation replaced: answered to as well, until retired. */
int proto_gateway_add_previous(struct proto_gateway *gw, const uint8_t prev_sk[KEY_LEN]);
/* Erases the previous key and its certificates, keeps its public half to
 * recognise its users. No-op without one. */
void proto_gateway_retire(struct proto_gateway *gw);
/* A key retired before this gateway started. */
void proto_gateway_set_retired(struct proto_gateway *gw, const uint8_t pk[KEY_LEN]);
void proto_gateway_finish(struct proto_gateway *gw);

/* now: CLOCK_BOOTTIME seconds; wall: unix seconds. Makes the slot key of
 * now when it is missing (fresh, from the system's randomness) and
 * erases each whose challenges have all expired. 0 or -errno. */
int proto_gateway_tick(struct proto_gateway *gw, uint64_t now, uint64_t wall);
/* The slot key of now from the given secret instead: test vectors. */
int proto_gateway_slot_set(struct proto_gateway *gw, uint64_t now, uint64_t wall,
			   const uint8_t sk[KEY_LEN]);
/* The slot key a challenge of that time was issued with; NULL once erased. */
const struct proto_slot *proto_gateway_slot(const struct proto_gateway *gw, uint64_t time);

/* Whose MACs a packet carries (its length checked): a key's index,
 * PROTO_KEY_RETIRED, -ENOKEY when its mac0 fits no key, -EBADMSG when a
 * mac0 fits but no mac1 does. */
int proto_gw_key_of(const struct proto_gateway *gw, const uint8_t *pkt, size_t len);

void proto_challenge_make(const struct proto_gateway *gw, struct proto_challenge *ch, uint64_t now,
			  const uint8_t addr[18], const uint8_t commit[32]);
/* PROTO_OK, CHALLENGE_BAD, CHALLENGE_EXPIRED (also when its slot key is
 * gone) or CLOCK_SKEW (from the future). */
enum proto_err proto_challenge_check(const struct proto_gateway *gw,
				     const struct proto_challenge *ch, uint64_t now,
				     const uint8_t addr[18], const uint8_t commit[32]);

/* Answers a HELLO (type and MACs already checked, under key) with a
 * CHALLENGE. -ENOKEY when the slot key of now is missing. */
int proto_gw_challenge(const struct proto_gateway *gw, unsigned key,
		       uint8_t out[PROTO_CHALLENGE_LEN], const uint8_t hello[PROTO_HELLO_LEN],
		       uint64_t now, const uint8_t addr[18]);
/* A plain ERROR for a packet (its commit is echoed), under key (which may
 * be PROTO_KEY_RETIRED). */
void proto_gw_error(const struct proto_gateway *gw, unsigned key, uint8_t out[PROTO_ERROR_LEN],
		    const uint8_t *pkt, enum proto_err code);

/* A REQUEST whose header, MACs, challenge and replay state were checked:
 * what the gateway learns from it. */
struct proto_opened {
	unsigned key; /* which of the gateway's keys it was made for */
	uint8_t commit[PROTO_COMMIT_LEN];
	struct proto_challenge challenge;
	bool has_static;
	uint8_t static_pub[KEY_LEN];
	struct proto_request req;
	uint8_t kr[32];
	uint8_t req_id[32]; /* proto_request_id: names it in the reply ring */
};
/* Splits off the challenge and commit (cheap, before any X25519). */
void proto_request_peek(const uint8_t pkt[PROTO_REQUEST_LEN], uint8_t commit[32],
			struct proto_challenge *ch);
/* The challenge tag's first 16 bytes and the payload's AEAD tag: together
 * they name one request (docs/protocol.md 5). */
void proto_request_id(uint8_t id[32], const uint8_t pkt[PROTO_REQUEST_LEN]);
/* Computes DH(key's secret, S) or returns a cached value; 0 or -errno. */
typedef int (*proto_ss_fn)(void *arg, unsigned key, const uint8_t static_pub[KEY_LEN],
			   uint8_t ss[32]);
/* Decrypts and decodes a REQUEST made under key; -EBADMSG: drop silently
 * (not decryptable, or its slot key is gone), -EPROTO: decrypted but
 * malformed (answer BAD_REQUEST through *o). ss_fn may be NULL: then
 * DH(g, S) is computed. */
int proto_gw_open(const struct proto_gateway *gw, unsigned key,
		  const uint8_t pkt[PROTO_REQUEST_LEN], proto_ss_fn ss_fn, void *arg,
		  struct proto_opened *o);
/* Encrypts a REPLY to an opened request; *outlen <= PROTO_REQUEST_LEN. */
int proto_gw_reply(const struct proto_gateway *gw, const struct proto_opened *o,
		   const struct proto_reply *rep, uint8_t out[PROTO_REPLY_MAX], size_t *outlen);
void proto_opened_wipe(struct proto_opened *o);

/* --- version 1, for clients that have not been upgraded (proto_v1.c) --- */

#define PROTO_V1_HELLO_LEN     128
#define PROTO_V1_CHALLENGE_LEN 84
/* Version 1's activation key, derived from the gateway's WireGuard key:
 * clamp(MAC32(w, "keygate-activation-key-v1")). Clients of a gateway
 * that ran version 1 hold its public half until the migration's grace. */
void proto_v1_activation_key(uint8_t act_sk[KEY_LEN], const uint8_t wg_sk[KEY_LEN]);
/* PROTO_HELLO or PROTO_REQUEST for a version-1 packet of that type's
 * length, -EBADMSG otherwise. */
int proto_v1_packet_type(const uint8_t *pkt, size_t len);
/* Version 1's CHALLENGE for a version-1 HELLO under key. */
void proto_v1_challenge(const struct proto_gateway *gw, unsigned key,
			uint8_t out[PROTO_V1_CHALLENGE_LEN], const uint8_t *hello, uint64_t now,
			const uint8_t addr[18]);
/* Answers a version-1 REQUEST (MACs checked, under key) with version 1's
 * REPLY of BAD_REQUEST, which such a client prints as a version mismatch:
 * the one line it has for it. The payload is never decrypted. 0, or a
 * reason to drop it: -ESTALE (a challenge not ours or too old), -EBADMSG
 * (a static key that does not open). */
int proto_v1_refuse(const struct proto_gateway *gw, unsigned key,
		    const uint8_t pkt[PROTO_REQUEST_LEN], uint64_t now, const uint8_t addr[18],
		    uint64_t wall, proto_ss_fn ss_fn, void *arg, uint8_t out[PROTO_REPLY_MAX],
		    size_t *outlen);

/* --- the client's side of one exchange --- */

struct proto_client {
	uint8_t gw_pub[KEY_LEN];
	struct proto_macs macs;
	uint8_t eph_sk[KEY_LEN];
	uint8_t eph_pub[KEY_LEN];
	uint8_t nonce[32];
	uint8_t commit[PROTO_COMMIT_LEN];
	uint8_t op;
	struct proto_target target;
	struct proto_challenge challenge;
	uint8_t slot_pub[KEY_LEN]; /* the gateway's ephemeral, certified by gw_pub */
	uint64_t slot_wall;        /* when the gateway made it, by its clock */
	bool have_challenge;
	uint8_t kr[32];
	bool sent;
	uint8_t gw_version; /* with PROTO_ERR_VERSION: the gateway's */
};
/* Fresh ephemeral, nonce and commitment; writes the HELLO. */
int proto_client_begin(struct proto_client *c, const uint8_t gw_pub[KEY_LEN], enum proto_op op,
		       const struct proto_target *target, uint8_t hello[PROTO_HELLO_LEN]);
/* Classifies a datagram from the gateway for this exchange: PROTO_CHALLENGE
 * (its slot key's certificate verified, stored in c), PROTO_ERROR (*code
 * set, advisory), PROTO_REPLY (decrypted into *rep), or -EBADMSG for
 * anything that is not for us. */
int proto_client_receive(struct proto_client *c, const uint8_t *pkt, size_t len, int *code,
			 struct proto_reply *rep);
/* The cdh for this exchange's challenge; purpose NULL means the op's. */
void proto_client_cdh(const struct proto_client *c, uint8_t cdh[32], const char *purpose,
		      const uint8_t *extra);
/* Builds the REQUEST: fills req->op, nonce and target from c. static_sk is
 * the device's WireGuard private key, or NULL. Once per exchange (-EINVAL
 * after that): retransmit the same bytes, or begin a new exchange. */
int proto_client_request(struct proto_client *c, const uint8_t *static_sk,
			 struct proto_request *req, uint8_t out[PROTO_REQUEST_LEN]);
void proto_client_finish(struct proto_client *c);

/* The enrollment URI: proto/proto_uri.h. */

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The registry: owners, their security keys (credentials), their peers, and
 * pending enrollment codes. It lives as three human-readable text files in
 * the state directory (owners, peers, codes; see docs/registry.md), each
 * replaced atomically. Loading is strict: a line that does not parse stops
 * the load with its file and line number; nothing is ever dropped quietly.
 *
 * Durations are seconds; REG_INHERIT means "take the owner's, then the
 * config's value". An idle of 0 means no idle timeout.
 *
 * One module in several files: registry.c (the data), registry_load.c (the
 * strict reader), registry_save.c (the writer), registry_cred.c,
 * registry_code.c, registry_mail.c (an owner's mail logins),
 * registry_addr.c (a peer's tunnel addresses).
 */
#ifndef KEYGATE_REGISTRY_H
#define KEYGATE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/enrollcode.h"
#include "base/htab.h"
#include "base/ipaddr.h"
#include "base/key.h"
#include "base/text.h"

#define REG_INHERIT        (-1)
#define REG_CRED_ID_LEN    32           /* hex digits: 128 bits (docs/registry.md) */
#define REG_CRED_ID_MIN    8            /* hex digits a command must give at least */
#define REG_CRED_ID_LEGACY 8            /* hex digits of the IDs before the long form */
#define REG_CRED_PK_MAX    65           /* ES256 x||y (64, or 65 with 0x04), EdDSA 32 */
#define REG_CREDID_MAX     1024         /* bytes of FIDO credential ID */
#define REG_FILE_MAX       (256U << 20) /* per file */

enum reg_file { REG_OWNERS = 1U << 0, REG_PEERS = 1U << 1, REG_CODES = 1U << 2 };
enum reg_kind { REG_LAPTOP, REG_MOBILE };
enum reg_alg { REG_ES256, REG_EDDSA };

struct reg_cred {
	char id[REG_CRED_ID_LEN + 1]; /* for people: a hash of the whole credential */
	enum reg_alg alg;
	uint8_t pubkey[REG_CRED_PK_MAX];
	size_t pubkey_len;
	uint8_t *credid;
	size_t credid_len;
	uint32_t counter;
	bool revoked;
	int64_t added; /* wall clock */
	/* Who added it: the key whose assertion allowed it and the laptop
	 * that asked; "" for a key enrolled by code alone, or before these
	 * were kept. */
	char by_key[REG_CRED_ID_LEN + 1];
	char by_device[NAME_MAX_LEN + 1];
	struct reg_cred *next;
};

#define REG_MAIL_LOGINS_LEN 512 /* a list of logins, commas between */
#define REG_MAIL_LOGIN_MAX  254

struct reg_owner {
	char name[NAME_MAX_LEN + 1];
	/* Mail logins besides the name and name@[Mail] Domains (docs/mail.md):
	 * lower case, commas between; "" for none. */
	char mail_logins[REG_MAIL_LOGINS_LEN];
	bool require_uv;
	int64_t window; /* REG_INHERIT or seconds */
	int64_t idle;
	struct reg_cred *creds;
	unsigned n_peers;
};

/* Which of a peer's tunnel addresses are set (reg_peer.addrs). */
enum reg_addr { REG_ADDR4 = 1U << 0, REG_ADDR6 = 1U << 1 };
#define REG_ADDRS_MAX 2 /* one per family */

/* The small fields next to the name and the key, with no padding
 * between: 136 bytes, a 144-byte heap chunk instead of 160, which is
 * 1.6 MB at 100,000 peers (bench/README.md). The two tunnel addresses
 * are bare bytes (21 with their flags) where one struct ipaddr (18)
 * and 3 bytes of padding were: a second address costs the struct
 * nothing; two struct ipaddr would have made a 160-byte chunk. */
struct reg_peer {
	char name[NAME_MAX_LEN + 1];
	bool has_key; /* false until `enroll register` brings it */
	bool disabled;
	uint8_t key[KEY_LEN];
	/* One address from each tunnel network the interface has, IPv4
	 * and IPv6 (registry_addr_list gives them as struct ipaddr). */
	uint8_t addr4[4];
	uint8_t addr6[16];
	uint8_t addrs; /* enum reg_addr bits */
	enum reg_kind kind;
	/* WireGuard's persistent keepalive from the gateway, seconds (0: off);
	 * REG_INHERIT: the kind's (gate_peer_keepalive). Beside kind, in what
	 * would be padding. */
	int32_t keepalive;
	struct reg_owner *owner;
	int64_t window;
	int64_t idle;
	uint8_t *psk; /* mobile peers: a static preshared key, or NULL */
	int64_t added;
};

struct reg_code {
	uint8_t hash[ENROLLCODE_HASH_LEN];
	char peer[NAME_MAX_LEN + 1];
	int64_t expires; /* wall clock */
	/* Issued for key recovery (`peer add --new-key`): it enrolls a key
	 * without an assertion of one the owner has already. */
	bool new_key;
};

struct registry {
	char dir[4096];
	struct reg_owner **owners;
	size_t n_owners, cap_owners;
	struct reg_peer **peers;
	size_t n_peers, cap_peers;
	struct reg_code **codes;
	size_t n_codes, cap_codes;
	/* A peer is in peer_by_addr4 and peer_by_addr6 once per address. */
	struct htab owner_by_name, peer_by_name, peer_by_key, peer_by_addr4, peer_by_addr6;
	struct ipaddr nets[8]; /* the interface's own addresses and networks */
	int n_nets;
	uint64_t alloc_hint[2]; /* IPv4, IPv6 */
	/* Peers the last load gave an address of a family they lacked. */
	size_t filled;
	unsigned dirty;    /* enum reg_file bits not yet saved */
	unsigned repaired; /* files the last load changed (old key IDs, dangling codes) */
};

int registry_create(struct registry **r, const char *dir);
void registry_destroy(struct registry **r);
/* The interface's own addresses with their networks: a peer gets one
 * address from the first network of each family (IPv4 and IPv6). */
void registry_set_networks(struct registry *r, const struct ipaddr *nets, int n);

/* Reading (registry_load.c) and writing (registry_save.c) the files. */

/* Reads the three files of r->dir; a missing file is an empty one. On
 * failure err names file and line, and r is unchanged content-wise only if
 * it was empty: load into a fresh registry and swap. A peer without an
 * address of a family the networks have (a peers file from before the
 * interface had both) gets one now (registry_addr_fill), saved at once;
 * r->filled counts them. */
int registry_load(struct registry *r, char err[ERR_LEN]);
/* Parses one file's text (what registry_load does per file). */
int registry_parse(struct registry *r, enum reg_file which, const char *text, size_t len,
		   const char *name, char err[ERR_LEN]);
/* Writes each dirty file; 0 or -errno. */
int registry_save(struct registry *r);
/* The text of one file, as saved. */
struct strbuf;
void registry_format(const struct registry *r, enum reg_file which, struct strbuf *sb);

struct reg_owner *registry_owner_find(const struct registry *r, const char *name);
int registry_owner_add(struct registry *r, const char *name, struct reg_owner **out);
void registry_owner_changed(struct registry *r);
/* An owner's extra mail logins from "a,b@example.org" ("" or "-": none):
 * each 1 to 254 of a-z 0-9 . _ + - @ (upper case is lowered), at most 16
 * and 511 bytes in all. 0, or -EINVAL with err quoting the bad login. */
int registry_owner_set_logins(struct reg_owner *o, const char *list, char err[ERR_LEN]);
/* Removes an owner that has no peers and no credentials (undoing an
 * owner_add whose peer could not be added); -EBUSY otherwise. */
int registry_owner_remove(struct registry *r, struct reg_owner *o);

struct reg_peer *registry_peer_find(const struct registry *r, const char *name);
struct reg_peer *registry_peer_find_key(const struct registry *r, const uint8_t key[KEY_LEN]);
/* The peer one of whose tunnel addresses a is, or NULL. */
struct reg_peer *registry_peer_find_addr(const struct registry *r, const struct ipaddr *a);
/* A peer's tunnel addresses, IPv4 first; how many (0 to REG_ADDRS_MAX). */
int registry_addr_list(const struct reg_peer *p, struct ipaddr out[REG_ADDRS_MAX]);
/* "10.77.0.2,fd77::2" (with_prefix: "10.77.0.2/32,fd77::2/128"), or "-". */
void registry_addr_text(const struct reg_peer *p, char out[IPADDR_LIST_STR_LEN], bool with_prefix);
/* Sets the template's address of a's family; -EEXIST when it has one. */
int registry_addr_put(struct reg_peer *p, const struct ipaddr *a);
/* Adds a copy of *p (name, owner, key, kind, overrides, psk, the
 * addresses it has); for each family of the networks that p has no
 * address of, one is allocated (the other family's host part when that
 * is free). err says what is wrong: a taken name, key or address, or no
 * free address left in a network (which it names). */
int registry_peer_add(struct registry *r, const struct reg_peer *p, struct reg_peer **out,
		      char err[ERR_LEN]);
/* The loader's registry_peer_add: the addresses as given, none added. */
int registry_peer_insert(struct registry *r, const struct reg_peer *p, struct reg_peer **out,
			 char err[ERR_LEN]);
/* Within the module (registry_addr.c): checks p's addresses are free
 * and, when allocate, adds those it lacks; 0 or -errno with err. */
int registry_addr_assign(struct registry *r, struct reg_peer *p, bool allocate, char err[ERR_LEN]);
/* Puts p into the address indexes (all or none), takes it out. */
int registry_addr_index(struct registry *r, struct reg_peer *p);
void registry_addr_unindex(struct registry *r, struct reg_peer *p);
/* Gives every peer an address of each family of the networks it lacks;
 * how many peers got one (their file is then dirty). A network with no
 * room left is logged and skipped: the peer keeps what it has. */
size_t registry_addr_fill(struct registry *r);
int registry_peer_set_key(struct registry *r, struct reg_peer *p, const uint8_t key[KEY_LEN]);
/* Undoes registry_peer_set_key on a peer that had no key. */
void registry_peer_clear_key(struct registry *r, struct reg_peer *p);
void registry_peer_set_disabled(struct registry *r, struct reg_peer *p, bool disabled);
/* After a change to a peer's window, idle or keepalive: saved next time. */
void registry_peer_changed(struct registry *r);
/* Removes the peer, its pending codes, and frees it. */
void registry_peer_remove(struct registry *r, struct reg_peer *p);
/* Peers sorted by name; free the array (not the peers). */
int registry_peers_sorted(const struct registry *r, struct reg_peer ***out);

/* Credentials (registry_cred.c). */

/* A new credential of an owner; -EEXIST when the owner has it (or one
 * with the same ID) already, -EINVAL for sizes out of range. */
int registry_cred_add(struct registry *r, struct reg_owner *o, enum reg_alg alg,
		      const uint8_t *pubkey, size_t pubkey_len, const uint8_t *credid,
		      size_t credid_len, struct reg_cred **out);
/* Undoes registry_cred_add (a change that could not be saved). */
void registry_cred_remove(struct registry *r, struct reg_owner *o, struct reg_cred *c);
/* The ID of a credential: 32 hex digits of BLAKE2b over its algorithm,
 * public key and credential ID (docs/registry.md). */
void registry_cred_id(char id[REG_CRED_ID_LEN + 1], enum reg_alg alg, const uint8_t *pubkey,
		      size_t pubkey_len, const uint8_t *credid, size_t credid_len);
/* The 8 hex digits the registry used before (a hash of the credential ID
 * alone): what an old owners file and old sessions carry. */
void registry_cred_legacy_id(char id[REG_CRED_ID_LEGACY + 1], const uint8_t *credid,
			     size_t credid_len);
/* By the whole ID. */
struct reg_cred *registry_cred_find(const struct reg_owner *o, const char *id);
/* By what an admin typed: any unique prefix of at least REG_CRED_ID_MIN
 * hex digits. -EINVAL (too short, not hex), -ENOENT, or -ENOTUNIQ naming
 * the candidates; err says which. */
int registry_cred_lookup(const struct reg_owner *o, const char *prefix, struct reg_cred **out,
			 char err[ERR_LEN]);
struct reg_cred *registry_cred_find_credid(const struct reg_owner *o, const uint8_t *credid,
					   size_t len);
/* Active (not revoked) credentials of the owner. */
unsigned registry_cred_active(const struct reg_owner *o);
/* Records a grown sign counter (the caller checked it grew). */
void registry_cred_set_counter(struct registry *r, struct reg_cred *c, uint32_t counter);
void registry_cred_revoke(struct registry *r, struct reg_cred *c);

/* Enrollment codes (registry_code.c). */

/* A new one-time code for a peer, valid ttl seconds; code gets the text. */
int registry_code_create(struct registry *r, const struct reg_peer *p, int64_t ttl, bool new_key,
			 char code[ENROLLCODE_STR_LEN + 1]);
/* Finds the code and takes it out of the registry (single use): 0 and
 * *out, which registry_code_put_back returns or the caller frees;
 * -ETIMEDOUT for an expired code (gone too), -ENOENT, -EINVAL. */
int registry_code_take(struct registry *r, const char *code, struct reg_code **out);
/* Puts a taken code back, as if it had never been taken. */
void registry_code_put_back(struct registry *r, struct reg_code *c);
/* Removes every code of the peer; how many. */
size_t registry_code_void(struct registry *r, const char *peer);
void registry_codes_purge(struct registry *r, int64_t now);

/* "owners", "peers", "codes": the file's name in the state directory. */
const char *registry_file_name(enum reg_file which);
const char *registry_kind_name(enum reg_kind k);
const char *registry_alg_name(enum reg_alg a);

#endif

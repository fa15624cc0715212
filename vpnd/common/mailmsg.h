/* SPDX-License-Identifier: ISC */
/*
 * Mail logins bound to the tunnel's owner (docs/mail.md): the table the
 * monitor hands the network child, and the refusals the child reports.
 *
 * The table (monitor -> child) is sent whole, unasked, at the child's
 * start and on every change of the live sessions, the owners' logins or
 * [Mail]: the trusted networks, then per live session its tunnel network,
 * its owner and every login that owner holds (the owner's name, name@each
 * of [Mail] Domains, the logins of `vpnd owner set --mail-login`), in
 * lower case. Only live sessions are in it: a login from an address not in
 * it is refused. Each login decision is a lookup in the child's copy.
 *
 * A table is any size up to MAILMSG_TABLE_TOTAL_MAX (some 100,000
 * sessions take 10 to 20 MB), more than one message of the socket can
 * carry: it goes as a sequence of MAIL_TABLE parts (common/mailpart.h),
 * each at most MAILMSG_TABLE_MAX bytes (the child's receive buffer), each
 * headed by the table's generation, the part's index and the count of
 * parts; every part but the last is full. The child gathers them in
 * order and swaps the new table in only when the last has come and the
 * whole decodes; until then the old one stays in force. A new table
 * begun before the last one ended takes the place of the one being
 * gathered (counted as dropped). A part out of order or of another
 * generation, or a whole that does not decode, drops the table being
 * gathered, and the child then empties the table in force
 * (netchild/servers.c): fail closed; the monitor's next one mends it. The
 * monitor sends every table to its end before it starts the next.
 *
 * MAIL_REFUSED (child -> monitor) carries one refusal for the audit, sent
 * without waiting; nothing goes back.
 */
#ifndef VPND_MAILMSG_H
#define VPND_MAILMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"

/* One MAIL_TABLE message, a part: as WEBMSG_CONF_MAX, the child's buffer. */
#define MAILMSG_TABLE_MAX       (120 * 1024)
#define MAILMSG_TABLE_TOTAL_MAX (256U << 20) /* a whole table, as REG_FILE_MAX */
#define MAILMSG_REFUSED_MAX     512
#define MAILMSG_LOGIN_MAX       254
#define MAILMSG_OWNER_MAX       32
#define MAILMSG_PROTO_MAX       16
#define MAILMSG_TRUSTED_MAX     16

/* The table's writer (the monitor). */
struct mailmsg_enc {
	uint8_t *p;
	size_t len, cap, count_at;
	uint32_t n;
	bool grow;   /* p is the encoder's, grown up to cap */
	size_t have; /* p's size when grown */
	bool nomem;
};

/* Starts a table with the trusted networks: in buf (cap bytes), or with
 * buf NULL in a buffer of its own that grows up to cap, kept from the
 * last table e held (e zeroed before its first start; mailmsg_enc_free). */
int mailmsg_enc_start(struct mailmsg_enc *e, uint8_t *buf, size_t cap, const struct ipaddr *trusted,
		      int n_trusted);
/* One live session: -EMSGSIZE when it does not fit (the table stays whole
 * without it), -EINVAL for a login or owner out of bounds, -ENOMEM. */
int mailmsg_enc_entry(struct mailmsg_enc *e, const struct ipaddr *net, const char *owner,
		      const char *const *logins, size_t n_logins);
/* The table's length (what mailmsg_decode_table takes). */
size_t mailmsg_enc_finish(struct mailmsg_enc *e);
void mailmsg_enc_free(struct mailmsg_enc *e);

/* The child's copy of the table. */
struct mailmsg_entry {
	struct ipaddr net;
	const uint8_t *owner; /* into buf, owner_len bytes */
	uint8_t owner_len;
	uint8_t n_logins;
	const uint8_t *logins; /* n_logins of (length byte, bytes) */
};

/* A table being gathered from its parts (common/mailpart.h). */
struct mailmsg_parts {
	uint8_t *buf; /* count * MAILPART_DATA bytes */
	size_t len;
	uint32_t gen, next, count; /* count 0: none under way */
};

struct mailmsg_table {
	struct ipaddr trusted[MAILMSG_TRUSTED_MAX];
	uint8_t n_trusted;
	uint32_t n;
	/* The first n_nets entries are networks, in the table's order; the
	 * rest single addresses, sorted by address for a binary search. */
	uint32_t n_nets;
	struct mailmsg_entry *entries;
	uint8_t *buf; /* the table's bytes */
	struct mailmsg_parts in;
	uint64_t dropped; /* tables dropped unfinished or undecodable */
};

/* Decodes a whole table (mailmsg_enc_finish's bytes) strictly into a new
 * t (free it with mailmsg_table_free): 0, -EBADMSG or -ENOMEM. */
int mailmsg_decode_table(struct mailmsg_table *t, const uint8_t *msg, size_t len);
/* The same from buf (malloc'd), which t takes, whether it decodes or not. */
int mailmsg_adopt_table(struct mailmsg_table *t, uint8_t *buf, size_t len);
void mailmsg_table_free(struct mailmsg_table *t);

enum mailmsg_verdict {
	MAILMSG_ALLOW_LOCAL = 0, /* loopback or [Mail] Trusted */
	MAILMSG_ALLOW_OWNER,     /* a live session's address, its owner's login */
	MAILMSG_REFUSE_NOT_TUNNEL,
	MAILMSG_REFUSE_OTHER_OWNER,
	MAILMSG_REFUSE_NO_LOGIN,
	MAILMSG_REFUSE_BAD_ADDRESS,
};
#define MAILMSG_REFUSE_FIRST MAILMSG_REFUSE_NOT_TUNNEL
#define MAILMSG_REASONS      (MAILMSG_REFUSE_BAD_ADDRESS + 1)

/* The rule: a login passes from loopback and the trusted networks, and
 * from a live session's address when that session's owner holds it
 * (compared in ASCII lower case). owner: the session's owner when the
 * address is one (else NULL), for the audit. */
enum mailmsg_verdict mailmsg_decide(const struct mailmsg_table *t, const struct ipaddr *remote,
				    const char *login, size_t login_len, const char **owner,
				    size_t *owner_len);
/* A remote address as Dovecot and Postfix write it (n bytes, not
 * terminated); an IPv4-mapped IPv6 address becomes IPv4. 0 or -EINVAL. */
int mailmsg_parse_addr(struct ipaddr *a, const char *s, size_t n);
/* "not-tunnel", "other-owner", ... for the audit; "allowed" for the rest. */
const char *mailmsg_reason_name(enum mailmsg_verdict v);

enum mailmsg_service { MAILMSG_DOVECOT = 1, MAILMSG_POSTFIX = 2 };

struct mailmsg_refused {
	uint8_t service; /* enum mailmsg_service */
	uint8_t reason;  /* enum mailmsg_verdict, a refusal */
	struct ipaddr remote;
	/* printable ASCII, no spaces: the child writes '?' for the rest */
	char login[MAILMSG_LOGIN_MAX + 1];
	char protocol[MAILMSG_PROTO_MAX + 1];
	char owner[MAILMSG_OWNER_MAX + 1]; /* the tunnel's, or empty */
};

/* Copies n bytes of s into out (cap bytes with the NUL), as the message
 * takes them: cut to fit, '?' for what is not printable ASCII. */
void mailmsg_clean(char *out, size_t cap, const char *s, size_t n);
/* buf holds MAILMSG_REFUSED_MAX bytes. 0 or -EINVAL. */
int mailmsg_encode_refused(uint8_t *buf, size_t *len, const struct mailmsg_refused *r);
/* Strict: 0 or -EBADMSG. */
int mailmsg_decode_refused(struct mailmsg_refused *r, const uint8_t *msg, size_t len);

#endif

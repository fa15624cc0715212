/* SPDX-License-Identifier: ISC */
/* Mail logins' monitor <-> child messages (mailmsg.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/actmsg.h"
#include "common/mailmsg.h"
#include "common/wire.h"

static bool put(struct mailmsg_enc *e, const void *v, size_t n)
{
	if (n > e->cap - e->len)
		return false;
	if (n > 0)
		memcpy(e->p + e->len, v, n);
	e->len += n;
	return true;
}

static bool put_u8(struct mailmsg_enc *e, uint8_t v)
{
	return put(e, &v, 1);
}

static bool put_net(struct mailmsg_enc *e, const struct ipaddr *a)
{
	return put_u8(e, a->family == AF_INET ? 4 : 6) && put(e, a->bytes, 16) &&
	       put_u8(e, a->prefix);
}

static bool put_str(struct mailmsg_enc *e, const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && put_u8(e, (uint8_t)n) && put(e, s, n);
}

int mailmsg_enc_start(struct mailmsg_enc *e, uint8_t *buf, size_t cap, const struct ipaddr *trusted,
		      int n_trusted)
{
	*e = (struct mailmsg_enc){.p = buf, .cap = cap};
	if (n_trusted < 0 || n_trusted > MAILMSG_TRUSTED_MAX)
		return -EINVAL;
	if (!put_u8(e, ACTMSG_MAIL_TABLE) || !put_u8(e, (uint8_t)n_trusted))
		return -EMSGSIZE;
	for (int i = 0; i < n_trusted; i++)
		if (!put_net(e, &trusted[i]))
			return -EMSGSIZE;
	e->count_at = e->len;
	return put(e, "\0\0\0\0", 4) ? 0 : -EMSGSIZE;
}

int mailmsg_enc_entry(struct mailmsg_enc *e, const struct ipaddr *net, const char *owner,
		      const char *const *logins, size_t n_logins)
{
	size_t was = e->len;

	if (n_logins > 255 || strlen(owner) > MAILMSG_OWNER_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n_logins; i++)
		if (logins[i][0] == '\0' || strlen(logins[i]) > MAILMSG_LOGIN_MAX)
			return -EINVAL;
	if (!put_net(e, net) || !put_str(e, owner, MAILMSG_OWNER_MAX) ||
	    !put_u8(e, (uint8_t)n_logins))
		goto over;
	for (size_t i = 0; i < n_logins; i++)
		if (!put_str(e, logins[i], MAILMSG_LOGIN_MAX))
			goto over;
	e->n++;
	return 0;
over:
	e->len = was;
	return -EMSGSIZE;
}

size_t mailmsg_enc_finish(struct mailmsg_enc *e)
{
	uint8_t *c = e->p + e->count_at;

	c[0] = (uint8_t)(e->n >> 24);
	c[1] = (uint8_t)(e->n >> 16);
	c[2] = (uint8_t)(e->n >> 8);
	c[3] = (uint8_t)e->n;
	return e->len;
}

static void get_net(struct wire_rd *r, struct ipaddr *a)
{
	uint8_t fam = wire_get_u8(r);
	const uint8_t *b = wire_get(r, 16);
	uint8_t prefix = wire_get_u8(r);

	if (r->bad || (fam != 4 && fam != 6) || prefix > (fam == 4 ? 32 : 128) ||
	    (fam == 4 && memcmp(b + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) != 0)) {
		r->bad = true;
		return;
	}
	a->family = fam == 4 ? AF_INET : AF_INET6;
	memcpy(a->bytes, b, 16);
	a->prefix = prefix;
}

static bool printable(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

/* A length byte and that many printable bytes, 1 to max; logins in lower
 * case only, as the monitor writes them and the lookup compares them. */
static const uint8_t *get_str(struct wire_rd *r, size_t max, uint8_t *len, bool lower)
{
	const uint8_t *s;

	*len = wire_get_u8(r);
	s = wire_get(r, *len);
	if (r->bad || *len == 0 || *len > max || !printable(s, *len)) {
		r->bad = true;
		return NULL;
	}
	for (uint8_t i = 0; lower && i < *len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			r->bad = true;
	return r->bad ? NULL : s;
}

int mailmsg_decode_table(struct mailmsg_table *t, const uint8_t *msg, size_t len)
{
	struct wire_rd r = {.p = msg, .len = len};
	uint32_t n;
	const uint8_t *c;

	memset(t, 0, sizeof(*t));
	if (wire_get_u8(&r) != ACTMSG_MAIL_TABLE || len > MAILMSG_TABLE_MAX)
		return -EBADMSG;
	t->n_trusted = wire_get_u8(&r);
	if (t->n_trusted > MAILMSG_TRUSTED_MAX)
		return -EBADMSG;
	for (uint8_t i = 0; i < t->n_trusted; i++)
		get_net(&r, &t->trusted[i]);
	c = wire_get(&r, 4);
	if (r.bad)
		return -EBADMSG;
	n = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
	/* An entry is at least 21 bytes: no count beyond what the bytes hold. */
	if (n > (len - r.off) / 21)
		return -EBADMSG;
	t->buf = malloc(len);
	t->entries = calloc(n > 0 ? n : 1, sizeof(*t->entries));
	if (t->buf == NULL || t->entries == NULL) {
		mailmsg_table_free(t);
		return -ENOMEM;
	}
	memcpy(t->buf, msg, len);
	r.p = t->buf;
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		struct mailmsg_entry *e = &t->entries[i];
		uint8_t l;

		get_net(&r, &e->net);
		e->owner = get_str(&r, MAILMSG_OWNER_MAX, &e->owner_len, false);
		e->n_logins = wire_get_u8(&r);
		e->logins = r.p + r.off;
		for (uint8_t j = 0; j < e->n_logins && !r.bad; j++)
			get_str(&r, MAILMSG_LOGIN_MAX, &l, true);
	}
	if (r.bad || r.off != len) {
		mailmsg_table_free(t);
		return -EBADMSG;
	}
	t->n = n;
	return 0;
}

void mailmsg_table_free(struct mailmsg_table *t)
{
	free(t->buf);
	free(t->entries);
	memset(t, 0, sizeof(*t));
}

static bool is_loopback(const struct ipaddr *a)
{
	static const uint8_t one6[16] = {[15] = 1};

	return a->family == AF_INET ? a->bytes[0] == 127 : memcmp(a->bytes, one6, 16) == 0;
}

static bool same_login(const uint8_t *a, size_t n, const char *b, size_t m)
{
	if (n != m)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = (uint8_t)b[i];

		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

enum mailmsg_verdict mailmsg_decide(const struct mailmsg_table *t, const struct ipaddr *remote,
				    const char *login, size_t login_len, const char **owner,
				    size_t *owner_len)
{
	bool tunnel = false;

	*owner = NULL;
	*owner_len = 0;
	if (is_loopback(remote))
		return MAILMSG_ALLOW_LOCAL;
	for (uint8_t i = 0; i < t->n_trusted; i++)
		if (ipaddr_in_net(remote, &t->trusted[i]))
			return MAILMSG_ALLOW_LOCAL;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mailmsg_entry *e = &t->entries[i];
		const uint8_t *l = e->logins;

		if (!ipaddr_in_net(remote, &e->net))
			continue;
		if (!tunnel) {
			*owner = (const char *)e->owner;
			*owner_len = e->owner_len;
		}
		tunnel = true;
		if (login_len == 0)
			continue;
		for (uint8_t j = 0; j < e->n_logins; j++, l += 1 + l[0])
			if (same_login(l + 1, l[0], login, login_len)) {
				*owner = (const char *)e->owner;
				*owner_len = e->owner_len;
				return MAILMSG_ALLOW_OWNER;
			}
	}
	if (!tunnel)
		return MAILMSG_REFUSE_NOT_TUNNEL;
	return login_len == 0 ? MAILMSG_REFUSE_NO_LOGIN : MAILMSG_REFUSE_OTHER_OWNER;
}

int mailmsg_parse_addr(struct ipaddr *a, const char *s, size_t n)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	char buf[INET6_ADDRSTRLEN];

	memset(a, 0, sizeof(*a));
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a->bytes) == 1) {
		a->family = AF_INET;
		a->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, a->bytes) != 1)
		return -EINVAL;
	a->family = AF_INET6;
	a->prefix = 128;
	if (memcmp(a->bytes, mapped, 12) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = AF_INET;
		a->prefix = 32;
	}
	return 0;
}

const char *mailmsg_reason_name(enum mailmsg_verdict v)
{
	switch (v) {
	case MAILMSG_REFUSE_NOT_TUNNEL:
		return "not-tunnel";
	case MAILMSG_REFUSE_OTHER_OWNER:
		return "other-owner";
	case MAILMSG_REFUSE_NO_LOGIN:
		return "no-login";
	case MAILMSG_REFUSE_BAD_ADDRESS:
		return "bad-address";
	default:
		return "allowed";
	}
}

void mailmsg_clean(char *out, size_t cap, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = s[i] > ' ' && s[i] <= '~' ? s[i] : '?';
	out[i] = '\0';
}

int mailmsg_encode_refused(uint8_t *buf, size_t *len, const struct mailmsg_refused *r)
{
	struct mailmsg_enc e = {.p = buf, .cap = MAILMSG_REFUSED_MAX};
	struct ipaddr none = {.family = AF_INET, .prefix = 32};
	const struct ipaddr *a = r->remote.family != 0 ? &r->remote : &none;
	const char *s[3] = {r->login, r->protocol, r->owner};
	const size_t max[3] = {MAILMSG_LOGIN_MAX, MAILMSG_PROTO_MAX, MAILMSG_OWNER_MAX};

	if (r->reason < MAILMSG_REFUSE_FIRST || r->reason >= MAILMSG_REASONS)
		return -EINVAL;
	if (!put_u8(&e, ACTMSG_MAIL_REFUSED) || !put_u8(&e, r->service) || !put_u8(&e, r->reason) ||
	    !put_net(&e, a))
		return -EINVAL;
	/* Empty strings are a zero length here, unlike the table's. */
	for (int i = 0; i < 3; i++) {
		size_t n = strnlen(s[i], max[i] + 1);

		if (n > max[i] || !printable((const uint8_t *)s[i], n) || !put_u8(&e, (uint8_t)n) ||
		    !put(&e, s[i], n))
			return -EINVAL;
	}
	*len = e.len;
	return 0;
}

int mailmsg_decode_refused(struct mailmsg_refused *r, const uint8_t *msg, size_t len)
{
	struct wire_rd rd = {.p = msg, .len = len};
	char *s[3] = {r->login, r->protocol, r->owner};
	const size_t max[3] = {MAILMSG_LOGIN_MAX, MAILMSG_PROTO_MAX, MAILMSG_OWNER_MAX};

	memset(r, 0, sizeof(*r));
	if (wire_get_u8(&rd) != ACTMSG_MAIL_REFUSED)
		return -EBADMSG;
	r->service = wire_get_u8(&rd);
	r->reason = wire_get_u8(&rd);
	get_net(&rd, &r->remote);
	if (rd.bad || (r->service != MAILMSG_DOVECOT && r->service != MAILMSG_POSTFIX) ||
	    r->reason < MAILMSG_REFUSE_FIRST || r->reason >= MAILMSG_REASONS)
		return -EBADMSG;
	for (int i = 0; i < 3; i++) {
		uint8_t n = wire_get_u8(&rd);
		const uint8_t *v = wire_get(&rd, n);

		if (rd.bad || n > max[i] || !printable(v, n))
			return -EBADMSG;
		memcpy(s[i], v, n);
		s[i][n] = '\0';
	}
	return rd.off == len ? 0 : -EBADMSG;
}

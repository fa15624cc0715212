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

/* A grown buffer doubles: the monitor's table is O(sessions) bytes. */
static bool grow(struct mailmsg_enc *e, size_t n)
{
	size_t want = e->len + n, cap = e->cap;
	uint8_t *p;

	if (cap == 0 || want > cap)
		return false;
	if (e->p != NULL && want <= e->have)
		return true;
	cap = e->have > 0 ? e->have : 4096;
	while (cap < want)
		cap = cap > e->cap / 2 ? e->cap : cap * 2;
	p = realloc(e->p, cap);
	if (p == NULL) {
		e->nomem = true;
		return false;
	}
	e->p = p;
	e->have = cap;
	return true;
}

static bool put(struct mailmsg_enc *e, const void *v, size_t n)
{
	if (e->grow ? !grow(e, n) : n > e->cap - e->len)
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
	if (buf == NULL)
		*e = (struct mailmsg_enc){.p = e->grow ? e->p : NULL,
					  .have = e->grow ? e->have : 0,
					  .cap = cap,
					  .grow = true};
	else
		*e = (struct mailmsg_enc){.p = buf, .cap = cap};
	if (n_trusted < 0 || n_trusted > MAILMSG_TRUSTED_MAX)
		return -EINVAL;
	if (!put_u8(e, (uint8_t)n_trusted))
		goto over;
	for (int i = 0; i < n_trusted; i++)
		if (!put_net(e, &trusted[i]))
			goto over;
	e->count_at = e->len;
	if (put(e, "\0\0\0\0", 4))
		return 0;
over:
	return e->nomem ? -ENOMEM : -EMSGSIZE;
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
	return e->nomem ? -ENOMEM : -EMSGSIZE;
}

size_t mailmsg_enc_finish(struct mailmsg_enc *e)
{
	struct wire_wr w = {.p = e->p + e->count_at, .cap = 4};

	wire_put_u32(&w, e->n);
	return e->len;
}

void mailmsg_enc_free(struct mailmsg_enc *e)
{
	if (e->grow)
		free(e->p);
	memset(e, 0, sizeof(*e));
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

static bool is_host(const struct ipaddr *a)
{
	return a->prefix == (a->family == AF_INET ? 32 : 128);
}

static int cmp_addr(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, 16);
}

static int cmp_entry(const void *a, const void *b)
{
	return cmp_addr(&((const struct mailmsg_entry *)a)->net,
			&((const struct mailmsg_entry *)b)->net);
}

int mailmsg_adopt_table(struct mailmsg_table *t, uint8_t *buf, size_t len)
{
	struct wire_rd r = {.p = buf, .len = len};
	uint32_t n, front = 0, back;

	memset(t, 0, sizeof(*t));
	t->buf = buf;
	if (len > MAILMSG_TABLE_TOTAL_MAX)
		goto bad;
	t->n_trusted = wire_get_u8(&r);
	if (t->n_trusted > MAILMSG_TRUSTED_MAX)
		goto bad;
	for (uint8_t i = 0; i < t->n_trusted; i++)
		get_net(&r, &t->trusted[i]);
	n = wire_get_u32(&r);
	if (r.bad)
		goto bad;
	/* An entry is at least 21 bytes: no count beyond what the bytes hold. */
	if (n > (len - r.off) / 21)
		goto bad;
	t->entries = calloc(n > 0 ? n : 1, sizeof(*t->entries));
	if (t->entries == NULL) {
		mailmsg_table_free(t);
		return -ENOMEM;
	}
	/* Networks from the front in order, single addresses from the back. */
	back = n;
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		struct mailmsg_entry x;
		uint8_t l;

		get_net(&r, &x.net);
		x.owner = get_str(&r, MAILMSG_OWNER_MAX, &x.owner_len, false);
		x.n_logins = wire_get_u8(&r);
		x.logins = r.p + r.off;
		for (uint8_t j = 0; j < x.n_logins && !r.bad; j++)
			get_str(&r, MAILMSG_LOGIN_MAX, &l, true);
		if (!r.bad)
			t->entries[is_host(&x.net) ? --back : front++] = x;
	}
	if (r.bad || r.off != len)
		goto bad;
	qsort(t->entries + front, n - front, sizeof(*t->entries), cmp_entry);
	t->n = n;
	t->n_nets = front;
	return 0;
bad:
	mailmsg_table_free(t);
	return -EBADMSG;
}

int mailmsg_decode_table(struct mailmsg_table *t, const uint8_t *msg, size_t len)
{
	uint8_t *buf;

	memset(t, 0, sizeof(*t));
	if (len > MAILMSG_TABLE_TOTAL_MAX)
		return -EBADMSG;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return -ENOMEM;
	if (len > 0)
		memcpy(buf, msg, len);
	return mailmsg_adopt_table(t, buf, len);
}

void mailmsg_table_free(struct mailmsg_table *t)
{
	free(t->buf);
	free(t->entries);
	free(t->in.buf);
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

/* Whether e (whose address remote is in) holds the login; owner set to
 * the first such entry's as the audit's tunnel owner. */
static bool holds(const struct mailmsg_entry *e, const char *login, size_t login_len, bool *tunnel,
		  const char **owner, size_t *owner_len)
{
	const uint8_t *l = e->logins;

	if (!*tunnel) {
		*owner = (const char *)e->owner;
		*owner_len = e->owner_len;
	}
	*tunnel = true;
	if (login_len == 0)
		return false;
	for (uint8_t j = 0; j < e->n_logins; j++, l += 1 + l[0])
		if (same_login(l + 1, l[0], login, login_len)) {
			*owner = (const char *)e->owner;
			*owner_len = e->owner_len;
			return true;
		}
	return false;
}

enum mailmsg_verdict mailmsg_decide(const struct mailmsg_table *t, const struct ipaddr *remote,
				    const char *login, size_t login_len, const char **owner,
				    size_t *owner_len)
{
	bool tunnel = false;
	uint32_t lo, hi;

	*owner = NULL;
	*owner_len = 0;
	if (is_loopback(remote))
		return MAILMSG_ALLOW_LOCAL;
	for (uint8_t i = 0; i < t->n_trusted; i++)
		if (ipaddr_in_net(remote, &t->trusted[i]))
			return MAILMSG_ALLOW_LOCAL;
	for (uint32_t i = 0; i < t->n_nets; i++)
		if (ipaddr_in_net(remote, &t->entries[i].net) &&
		    holds(&t->entries[i], login, login_len, &tunnel, owner, owner_len))
			return MAILMSG_ALLOW_OWNER;
	/* The single addresses, most of the table: the first equal to remote
	 * and those after it. */
	lo = t->n_nets;
	hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cmp_addr(&t->entries[mid].net, remote) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < t->n && cmp_addr(&t->entries[lo].net, remote) == 0; lo++)
		if (holds(&t->entries[lo], login, login_len, &tunnel, owner, owner_len))
			return MAILMSG_ALLOW_OWNER;
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

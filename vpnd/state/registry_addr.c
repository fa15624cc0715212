/* SPDX-License-Identifier: ISC */
/*
 * A peer's tunnel addresses: one from the first network of each family
 * the interface has (IPv4 and IPv6), indexed so that either finds the
 * peer. Allocation tries the partner of the peer's other address first,
 * read as people read addresses (10.77.0.23 and fd77::23: each IPv4
 * host byte's decimal digits as an IPv6 group's hex digits), so that one
 * tells the other at a glance; it falls back to the next free one.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "state/registry.h"

static const struct {
	uint8_t family;
	unsigned bit;
	size_t len;
} fams[REG_ADDRS_MAX] = {{AF_INET, REG_ADDR4, 4}, {AF_INET6, REG_ADDR6, 16}};

static uint8_t *addr_bytes(struct reg_peer *p, int f)
{
	return f == 0 ? p->addr4 : p->addr6;
}

static int fam_of(uint8_t family)
{
	return family == AF_INET ? 0 : family == AF_INET6 ? 1 : -1;
}

static struct htab *index_of(struct registry *r, int f)
{
	return f == 0 ? &r->peer_by_addr4 : &r->peer_by_addr6;
}

static void addr_get(const struct reg_peer *p, int f, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = fams[f].family;
	memcpy(a->bytes, f == 0 ? p->addr4 : p->addr6, fams[f].len);
	a->prefix = (uint8_t)(fams[f].len * 8);
}

struct reg_peer *registry_peer_find_addr(const struct registry *r, const struct ipaddr *a)
{
	int f = fam_of(a->family);

	if (f < 0)
		return NULL;
	return htab_find(f == 0 ? &r->peer_by_addr4 : &r->peer_by_addr6, a->bytes, fams[f].len);
}

int registry_addr_list(const struct reg_peer *p, struct ipaddr out[REG_ADDRS_MAX])
{
	int n = 0;

	for (int f = 0; f < REG_ADDRS_MAX; f++)
		if (p->addrs & fams[f].bit)
			addr_get(p, f, &out[n++]);
	return n;
}

void registry_addr_text(const struct reg_peer *p, char out[IPADDR_LIST_STR_LEN], bool with_prefix)
{
	struct ipaddr a[REG_ADDRS_MAX];
	int n = registry_addr_list(p, a);

	if (n == 0)
		strcpy(out, "-");
	else
		ipaddr_format_list(a, n, out, IPADDR_LIST_STR_LEN, with_prefix);
}

int registry_addr_put(struct reg_peer *p, const struct ipaddr *a)
{
	int f = fam_of(a->family);

	if (f < 0)
		return -EINVAL;
	if (p->addrs & fams[f].bit)
		return -EEXIST;
	memcpy(addr_bytes(p, f), a->bytes, fams[f].len);
	p->addrs |= (uint8_t)fams[f].bit;
	return 0;
}

static const struct ipaddr *first_net(const struct registry *r, int f)
{
	for (int i = 0; i < r->n_nets; i++)
		if (r->nets[i].family == fams[f].family)
			return &r->nets[i];
	return NULL;
}

static bool addr_usable(const struct registry *r, const struct ipaddr *a)
{
	for (int i = 0; i < r->n_nets; i++)
		if (ipaddr_equal(a, &r->nets[i]))
			return false; /* the gateway's own */
	return registry_peer_find_addr(r, a) == NULL;
}

/* Host index i of net, when a peer may have it: not the network address,
 * not IPv4's broadcast, not the gateway's, not taken. */
static bool try_index(const struct registry *r, const struct ipaddr *net, uint64_t size, uint64_t i,
		      struct ipaddr *out)
{
	if (i == 0 || (net->family == AF_INET && i == size - 1 && size > 2))
		return false;
	return ipaddr_nth(out, net, i) == 0 && addr_usable(r, out);
}

/* A byte's decimal digits as hex digits (23 -> 0x23), and back. */
static unsigned hexify(unsigned b)
{
	return (b / 100) << 8 | (b / 10 % 10) << 4 | b % 10;
}

static bool dehex(unsigned g, unsigned *b)
{
	if ((g & 0xf) > 9 || (g >> 4 & 0xf) > 9 || (g >> 8 & 0xf) > 9 || g > 0x255)
		return false;
	*b = (g >> 8) * 100 + (g >> 4 & 0xf) * 10 + (g & 0xf);
	return true;
}

/* The host index in the other family's network that goes with a (inside
 * anet), as people read addresses: 10.77.0.23 with fd77::23, 10.77.1.5
 * with fd77::1:5, and back; false when there is none (fd77::a:b). */
static bool partner_index(const struct ipaddr *a, const struct ipaddr *anet, uint64_t *out)
{
	uint64_t h = ipaddr_host_index(a, anet);
	unsigned b2, b3;

	if (a->family == AF_INET) {
		if (h >> 16 != 0)
			return false;
		*out = (uint64_t)hexify((unsigned)(h >> 8)) << 16 | hexify((unsigned)(h & 0xff));
		return true;
	}
	if (!dehex((unsigned)(h >> 16), &b2) || !dehex((unsigned)(h & 0xffff), &b3))
		return false;
	*out = (uint64_t)b2 << 8 | b3;
	return true;
}

static int addr_allocate(struct registry *r, int f, const struct reg_peer *p, struct ipaddr *out)
{
	const struct ipaddr *net = first_net(r, f);
	uint64_t size, i, n;

	if (net == NULL)
		return -ENOENT;
	size = ipaddr_net_size(net);
	/* The other address's partner first: 10.77.0.5 goes with fd77::5. */
	if ((p->addrs & fams[1 - f].bit) && first_net(r, 1 - f) != NULL) {
		struct ipaddr other;

		addr_get(p, 1 - f, &other);
		if (partner_index(&other, first_net(r, 1 - f), &i) && i < size &&
		    try_index(r, net, size, i, out))
			return 0;
	}
	for (n = 0; n < size; n++) {
		i = (r->alloc_hint[f] + n) % size;
		if (try_index(r, net, size, i, out)) {
			r->alloc_hint[f] = i + 1;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

/* Allocates what p lacks; 0, or -EADDRNOTAVAIL with err naming the full
 * network. */
static int allocate_missing(struct registry *r, struct reg_peer *p, char err[ERR_LEN])
{
	struct ipaddr a;
	char net[IPADDR_STR_LEN];
	int ret;

	for (int f = 0; f < REG_ADDRS_MAX; f++) {
		if (p->addrs & fams[f].bit)
			continue;
		ret = addr_allocate(r, f, p, &a);
		if (ret == -ENOENT)
			continue; /* the interface has no network of this family */
		if (ret < 0) {
			ipaddr_format(first_net(r, f), net, sizeof(net), true);
			text_err(err, "no free tunnel address left in the interface network %s",
				 net);
			return ret;
		}
		registry_addr_put(p, &a);
	}
	return 0;
}

int registry_addr_assign(struct registry *r, struct reg_peer *p, bool allocate, char err[ERR_LEN])
{
	struct ipaddr a[REG_ADDRS_MAX];
	char s[IPADDR_STR_LEN];
	int n = registry_addr_list(p, a);

	for (int i = 0; i < n; i++) {
		if (!addr_usable(r, &a[i])) {
			ipaddr_format(&a[i], s, sizeof(s), false);
			text_err(err, "address %s is taken", s);
			return -EEXIST;
		}
	}
	if (allocate)
		return allocate_missing(r, p, err);
	if (n == 0) {
		text_err(err, "peer '%s' has no address", p->name);
		return -EINVAL;
	}
	return 0;
}

int registry_addr_index(struct registry *r, struct reg_peer *p)
{
	int ret = 0;

	for (int f = 0; f < REG_ADDRS_MAX && ret == 0; f++)
		if (p->addrs & fams[f].bit)
			ret = htab_insert(index_of(r, f), p);
	if (ret < 0)
		registry_addr_unindex(r, p);
	return ret;
}

void registry_addr_unindex(struct registry *r, struct reg_peer *p)
{
	for (int f = 0; f < REG_ADDRS_MAX; f++)
		if ((p->addrs & fams[f].bit) &&
		    htab_find(index_of(r, f), addr_bytes(p, f), fams[f].len) == p)
			htab_remove(index_of(r, f), addr_bytes(p, f), fams[f].len);
}

size_t registry_addr_fill(struct registry *r)
{
	char err[ERR_LEN];
	size_t filled = 0, full = 0;

	for (size_t i = 0; i < r->n_peers; i++) {
		struct reg_peer *p = r->peers[i];
		uint8_t before = p->addrs;

		if (allocate_missing(r, p, err) < 0 && full++ == 0)
			log_warn("peer '%s' keeps its one address: %s", p->name, err);
		if (p->addrs != before) {
			/* Only the new address goes into the index; the
			 * old one is there already. */
			for (int f = 0; f < REG_ADDRS_MAX; f++)
				if ((p->addrs & ~before & fams[f].bit) &&
				    htab_insert(index_of(r, f), p) < 0)
					p->addrs &= (uint8_t)~fams[f].bit;
			if (p->addrs != before)
				filled++;
		}
	}
	if (full > 1)
		log_warn("%zu peers in all have no address of a full network", full);
	if (filled > 0)
		r->dirty |= REG_PEERS;
	return filled;
}

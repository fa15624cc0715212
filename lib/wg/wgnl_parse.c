/* SPDX-License-Identifier: ISC */
/*
 * Parsing what the kernel sends back: the controller's family reply, acks
 * and GET_DEVICE dumps. Every length is checked; an attribute that does not
 * fit its parent, or has the wrong size for its type, makes the whole reply
 * -EBADMSG. Attributes we do not know are skipped.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <sodium.h>

#include "wg/wgnl_parse.h"

typedef int (*attr_fn)(const struct nlattr *a, void *data);

/* Unlike mnl_attr_parse, which stops quietly at the first attribute that
 * does not fit, this rejects it: a short or overrunning length is an error. */
static int attrs_walk(const void *payload, size_t len, attr_fn fn, void *data)
{
	const uint8_t *p = payload;
	size_t off = 0;
	int ret;

	while (off < len) {
		const struct nlattr *a = (const void *)(p + off);

		if (len - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return -EBADMSG;
		ret = fn(a, data);
		if (ret < 0)
			return ret;
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

static int nested_walk(const struct nlattr *a, attr_fn fn, void *data)
{
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
		return -EBADMSG;
	return attrs_walk(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), fn, data);
}

static int get_u16(const struct nlattr *a, uint16_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u16(a);
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return -EBADMSG;
	memcpy(v, mnl_attr_get_payload(a), sizeof(*v));
	return 0;
}

static int get_bytes(const struct nlattr *a, void *out, size_t n)
{
	if (mnl_attr_validate2(a, MNL_TYPE_BINARY, n) < 0)
		return -EBADMSG;
	memcpy(out, mnl_attr_get_payload(a), n);
	return 0;
}

struct aip_parse {
	uint16_t family;
	uint8_t addr[16];
	uint16_t addr_len;
	uint8_t cidr;
	unsigned int seen;
};

static int aip_attr(const struct nlattr *a, void *data)
{
	struct aip_parse *ap = data;
	uint16_t n;

	switch (mnl_attr_get_type(a)) {
	case WGALLOWEDIP_A_FAMILY:
		ap->seen |= 1;
		return get_u16(a, &ap->family);
	case WGALLOWEDIP_A_IPADDR:
		n = mnl_attr_get_payload_len(a);
		if (n != 4 && n != 16)
			return -EBADMSG;
		ap->seen |= 2;
		ap->addr_len = n;
		memcpy(ap->addr, mnl_attr_get_payload(a), n);
		return 0;
	case WGALLOWEDIP_A_CIDR_MASK:
		if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
			return -EBADMSG;
		ap->seen |= 4;
		ap->cidr = mnl_attr_get_u8(a);
		return 0;
	default:
		return 0;
	}
}

struct peer_parse {
	struct wg_peer *peer;
	struct wg_allowedip *last_aip;
	bool has_key;
};

static int aip_entry(const struct nlattr *a, void *data)
{
	struct peer_parse *pp = data;
	struct aip_parse ap = {0};
	struct wg_allowedip *n;
	int ret = nested_walk(a, aip_attr, &ap);

	if (ret < 0)
		return ret;
	if (ap.seen != 7)
		return -EBADMSG;
	if (!(ap.family == AF_INET && ap.addr_len == 4 && ap.cidr <= 32) &&
	    !(ap.family == AF_INET6 && ap.addr_len == 16 && ap.cidr <= 128))
		return -EBADMSG;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->family = ap.family;
	n->cidr = ap.cidr;
	memcpy(&n->ip6, ap.addr, ap.addr_len);
	if (pp->last_aip == NULL)
		pp->peer->allowedips = n;
	else
		pp->last_aip->next = n;
	pp->last_aip = n;
	return 0;
}

static int get_endpoint(const struct nlattr *a, struct wg_peer *p)
{
	uint16_t n = mnl_attr_get_payload_len(a);
	sa_family_t fam;

	if (n < sizeof(fam))
		return -EBADMSG;
	memcpy(&fam, mnl_attr_get_payload(a), sizeof(fam));
	if (!(fam == AF_INET && n == sizeof(p->endpoint.addr4)) &&
	    !(fam == AF_INET6 && n == sizeof(p->endpoint.addr6)))
		return -EBADMSG;
	memcpy(&p->endpoint, mnl_attr_get_payload(a), n);
	p->flags |= WGPEER_HAS_ENDPOINT;
	return 0;
}

static int get_handshake(const struct nlattr *a, struct wg_peer *p)
{
	struct __kernel_timespec ts;

	if (get_bytes(a, &ts, sizeof(ts)) < 0 || ts.tv_sec < 0 || ts.tv_nsec < 0 ||
	    ts.tv_nsec >= 1000000000)
		return -EBADMSG;
	p->last_handshake.tv_sec = (time_t)ts.tv_sec;
	p->last_handshake.tv_nsec = (long)ts.tv_nsec;
	return 0;
}

static int peer_attr(const struct nlattr *a, void *data)
{
	struct peer_parse *pp = data;
	struct wg_peer *p = pp->peer;
	uint32_t u32;
	int ret;

	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PUBLIC_KEY:
		pp->has_key = true;
		return get_bytes(a, p->public_key, KEY_LEN);
	case WGPEER_A_PRESHARED_KEY:
		ret = get_bytes(a, p->preshared_key, KEY_LEN);
		if (ret == 0 && !sodium_is_zero(p->preshared_key, KEY_LEN))
			p->flags |= WGPEER_HAS_PRESHARED_KEY;
		return ret;
	case WGPEER_A_ENDPOINT:
		return get_endpoint(a, p);
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		p->flags |= WGPEER_HAS_KEEPALIVE;
		return get_u16(a, &p->keepalive);
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		return get_handshake(a, p);
	case WGPEER_A_RX_BYTES:
		return get_u64(a, &p->rx_bytes);
	case WGPEER_A_TX_BYTES:
		return get_u64(a, &p->tx_bytes);
	case WGPEER_A_ALLOWEDIPS:
		return nested_walk(a, aip_entry, pp);
	case WGPEER_A_FLAGS:
	case WGPEER_A_PROTOCOL_VERSION:
		return get_u32(a, &u32);
	default:
		return 0;
	}
}

/* A peer whose allowed IPs did not fit one message comes again at the start
 * of the next with its public key and the rest of its allowed IPs. */
static int peer_entry(const struct nlattr *a, void *data)
{
	struct wgnl_parse_dump *d = data;
	struct peer_parse pp = {0};
	int ret;

	pp.peer = calloc(1, sizeof(*pp.peer));
	if (pp.peer == NULL)
		return -ENOMEM;
	ret = nested_walk(a, peer_attr, &pp);
	if (ret == 0 && !pp.has_key)
		ret = -EBADMSG;
	if (ret < 0)
		goto fail;
	if (d->last_peer != NULL &&
	    sodium_memcmp(d->last_peer->public_key, pp.peer->public_key, KEY_LEN) == 0) {
		if (pp.peer->allowedips != NULL) {
			if (d->last_aip == NULL)
				d->last_peer->allowedips = pp.peer->allowedips;
			else
				d->last_aip->next = pp.peer->allowedips;
			d->last_aip = pp.last_aip;
			pp.peer->allowedips = NULL;
		}
		wg_peer_free(&pp.peer);
		return 0;
	}
	if (d->last_peer == NULL)
		d->dev->peers = pp.peer;
	else
		d->last_peer->next = pp.peer;
	d->last_peer = pp.peer;
	d->last_aip = pp.last_aip;
	return 0;
fail:
	wg_peer_free(&pp.peer);
	return ret;
}

static int device_attr(const struct nlattr *a, void *data)
{
	struct wgnl_parse_dump *d = data;
	struct wg_device *dev = d->dev;
	uint32_t u32;
	int ret;

	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_IFINDEX:
		return get_u32(a, &u32);
	case WGDEVICE_A_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    strnlen(mnl_attr_get_str(a), IFNAMSIZ) >= IFNAMSIZ)
			return -EBADMSG;
		memcpy(dev->name, mnl_attr_get_str(a), strlen(mnl_attr_get_str(a)) + 1);
		return 0;
	case WGDEVICE_A_PRIVATE_KEY:
		dev->flags |= WGDEV_HAS_PRIVATE_KEY;
		return get_bytes(a, dev->private_key, KEY_LEN);
	case WGDEVICE_A_PUBLIC_KEY:
		return get_bytes(a, dev->public_key, KEY_LEN);
	case WGDEVICE_A_LISTEN_PORT:
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
		return get_u16(a, &dev->listen_port);
	case WGDEVICE_A_FWMARK:
		ret = get_u32(a, &dev->fwmark);
		if (ret == 0 && dev->fwmark != 0)
			dev->flags |= WGDEV_HAS_FWMARK;
		return ret;
	case WGDEVICE_A_FLAGS:
		return get_u32(a, &u32);
	case WGDEVICE_A_PEERS:
		return nested_walk(a, peer_entry, d);
	default:
		return 0;
	}
}

int wgnl_parse_dump_init(struct wgnl_parse_dump *d, uint16_t family)
{
	memset(d, 0, sizeof(*d));
	d->family = family;
	d->dev = calloc(1, sizeof(*d->dev));
	return d->dev == NULL ? -ENOMEM : 0;
}

void wgnl_parse_dump_finish(struct wgnl_parse_dump *d)
{
	wg_device_free(&d->dev);
	d->last_peer = NULL;
	d->last_aip = NULL;
}

/* mnl_nlmsg_ok compares (int)nlmsg_len, so a length of 2 GiB or more
 * passes it (found by fuzzing); compare unsigned instead. */
static bool msg_ok(const struct nlmsghdr *nlh, int rem)
{
	return rem >= (int)NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
	       nlh->nlmsg_len <= (unsigned int)rem;
}

/* The error carried by an NLMSG_ERROR message: 0 (an ack) or -errno. */
static int error_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	return e->error;
}

/* A dump's errors may also come in NLMSG_DONE, as a negative int. */
static int done_msg(const struct nlmsghdr *nlh)
{
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err > 0 || err < -4095)
		return -EBADMSG;
	return err;
}

static int device_msg(struct wgnl_parse_dump *d, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd != WG_CMD_GET_DEVICE)
		return -EBADMSG;
	return attrs_walk((const uint8_t *)g + GENL_HDRLEN,
			  mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, device_attr, d);
}

int wgnl_parse_dump_feed(struct wgnl_parse_dump *d, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len > INT_MAX ? INT_MAX : (int)len;
	int ret;

	if (d->dev == NULL || d->done)
		return -EINVAL;
	for (; msg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			d->interrupted = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_DONE:
			d->done = true;
			ret = done_msg(nlh);
			return ret < 0 ? ret : 1;
		case NLMSG_ERROR:
			ret = error_msg(nlh);
			return ret < 0 ? ret : -EBADMSG;
		case NLMSG_OVERRUN:
			return -ENOBUFS;
		default:
			if (nlh->nlmsg_type != d->family)
				return -EBADMSG;
			ret = device_msg(d, nlh);
			if (ret < 0)
				return ret;
		}
	}
	/* Bytes left over are a truncated message, not the end of one. */
	return rem > 0 ? -EBADMSG : 0;
}

int wgnl_parse_ack(const void *buf, size_t len, uint32_t seq)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len > INT_MAX ? INT_MAX : (int)len;

	if (!msg_ok(nlh, rem) || nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != seq)
		return -EBADMSG;
	return error_msg(nlh);
}

struct family_parse {
	uint16_t id;
	bool found;
};

static int family_attr(const struct nlattr *a, void *data)
{
	struct family_parse *fp = data;

	if (mnl_attr_get_type(a) != CTRL_ATTR_FAMILY_ID)
		return 0;
	fp->found = true;
	return get_u16(a, &fp->id);
}

int wgnl_parse_getfamily(const void *buf, size_t len, uint16_t *family)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len > INT_MAX ? INT_MAX : (int)len;
	struct family_parse fp = {0};
	int ret;

	if (!msg_ok(nlh, rem))
		return -EBADMSG;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		ret = error_msg(nlh);
		return ret < 0 ? ret : -EBADMSG;
	}
	if (nlh->nlmsg_type != GENL_ID_CTRL || mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	ret = attrs_walk((const uint8_t *)mnl_nlmsg_get_payload(nlh) + GENL_HDRLEN,
			 mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, family_attr, &fp);
	if (ret < 0)
		return ret;
	if (!fp.found || fp.id < NLMSG_MIN_TYPE)
		return -EBADMSG;
	*family = fp.id;
	return 0;
}

/* SPDX-License-Identifier: ISC */
/*
 * Building and parsing the messages of the generic netlink family
 * "wireguard" (see wgnl.h). No sockets here: everything is bytes in,
 * bytes out, so the tests and the fuzzer see exactly what the kernel sees.
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

#include "wg/wgnl_msg.h"

static struct nlmsghdr *msg_start(void *buf, uint16_t type, uint16_t flags, uint32_t seq,
				  uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int ifname_ok(const char *ifname)
{
	size_t n = ifname == NULL ? 0 : strnlen(ifname, IFNAMSIZ);

	return n > 0 && n < IFNAMSIZ ? 0 : -EINVAL;
}

int wgnl_msg_getfamily(void *buf, size_t len, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (len < 64)
		return -EMSGSIZE;
	memset(buf, 0, 64);
	nlh = msg_start(buf, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	return (int)nlh->nlmsg_len;
}

int wgnl_msg_get_device(void *buf, size_t len, uint16_t family, uint32_t seq, const char *ifname)
{
	struct nlmsghdr *nlh;

	if (ifname_ok(ifname) < 0)
		return -EINVAL;
	if (len < 64)
		return -EMSGSIZE;
	memset(buf, 0, 64);
	nlh = msg_start(buf, family, NLM_F_REQUEST | NLM_F_DUMP, seq, WG_CMD_GET_DEVICE,
			WG_GENL_VERSION);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	return (int)nlh->nlmsg_len;
}

void wgnl_msg_cursor_init(struct wgnl_msg_cursor *c, const struct wg_device *dev)
{
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->peer = dev->peers;
	c->aip = c->peer != NULL ? c->peer->allowedips : NULL;
	c->first = true;
}

static bool put_device_fields(struct nlmsghdr *nlh, size_t len, const struct wg_device *dev)
{
	uint32_t flags = 0;

	if ((dev->flags & WGDEV_HAS_PRIVATE_KEY) &&
	    !mnl_attr_put_check(nlh, len, WGDEVICE_A_PRIVATE_KEY, KEY_LEN, dev->private_key))
		return false;
	if ((dev->flags & WGDEV_HAS_LISTEN_PORT) &&
	    !mnl_attr_put_u16_check(nlh, len, WGDEVICE_A_LISTEN_PORT, dev->listen_port))
		return false;
	if ((dev->flags & WGDEV_HAS_FWMARK) &&
	    !mnl_attr_put_u32_check(nlh, len, WGDEVICE_A_FWMARK, dev->fwmark))
		return false;
	if (dev->flags & WGDEV_REPLACE_PEERS)
		flags |= WGDEVICE_F_REPLACE_PEERS;
	if (flags != 0 && !mnl_attr_put_u32_check(nlh, len, WGDEVICE_A_FLAGS, flags))
		return false;
	return true;
}

/* The peer's own fields, sent once, in the first message that holds it. An
 * UPDATE_ONLY flag is repeated in continuations: without it, a continuation
 * for a peer the kernel skipped would create that peer. */
static bool put_peer_fields(struct nlmsghdr *nlh, size_t len, const struct wg_peer *p, bool started)
{
	uint32_t flags = 0;
	size_t salen;

	if (p->flags & WGPEER_UPDATE_ONLY)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (started)
		return flags == 0 || mnl_attr_put_u32_check(nlh, len, WGPEER_A_FLAGS, flags);
	if (p->flags & WGPEER_REMOVE_ME)
		flags |= WGPEER_F_REMOVE_ME;
	if (p->flags & WGPEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (flags != 0 && !mnl_attr_put_u32_check(nlh, len, WGPEER_A_FLAGS, flags))
		return false;
	if ((p->flags & WGPEER_HAS_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, len, WGPEER_A_PRESHARED_KEY, KEY_LEN, p->preshared_key))
		return false;
	if (p->flags & WGPEER_HAS_ENDPOINT) {
		salen = p->endpoint.addr.sa_family == AF_INET6 ? sizeof(p->endpoint.addr6)
							       : sizeof(p->endpoint.addr4);
		if (!mnl_attr_put_check(nlh, len, WGPEER_A_ENDPOINT, salen, &p->endpoint))
			return false;
	}
	if ((p->flags & WGPEER_HAS_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, len, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive))
		return false;
	return true;
}

static bool put_allowedip(struct nlmsghdr *nlh, size_t len, const struct wg_allowedip *a)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, len, 0);
	size_t alen = a->family == AF_INET6 ? sizeof(a->ip6) : sizeof(a->ip4);

	if (nest == NULL)
		return false;
	if (!mnl_attr_put_u16_check(nlh, len, WGALLOWEDIP_A_FAMILY, a->family) ||
	    !mnl_attr_put_check(nlh, len, WGALLOWEDIP_A_IPADDR, alen, &a->ip4) ||
	    !mnl_attr_put_u8_check(nlh, len, WGALLOWEDIP_A_CIDR_MASK, a->cidr)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* Adds what fits of the cursor's peer; false when the message is full. */
static bool put_peer(struct nlmsghdr *nlh, size_t len, struct wgnl_msg_cursor *c, bool *progress)
{
	const struct wg_peer *p = c->peer;
	struct nlattr *peer_nest, *aips_nest;
	bool any = false;

	peer_nest = mnl_attr_nest_start_check(nlh, len, 0);
	if (peer_nest == NULL)
		return false;
	if (!mnl_attr_put_check(nlh, len, WGPEER_A_PUBLIC_KEY, KEY_LEN, p->public_key) ||
	    !put_peer_fields(nlh, len, p, c->peer_started)) {
		mnl_attr_nest_cancel(nlh, peer_nest);
		return false;
	}
	if (c->aip != NULL) {
		aips_nest = mnl_attr_nest_start_check(nlh, len, WGPEER_A_ALLOWEDIPS);
		if (aips_nest != NULL) {
			while (c->aip != NULL && put_allowedip(nlh, len, c->aip)) {
				c->aip = c->aip->next;
				any = true;
			}
			if (any)
				mnl_attr_nest_end(nlh, aips_nest);
			else
				mnl_attr_nest_cancel(nlh, aips_nest);
		}
		/* A continuation that carries no allowed IP says nothing new. */
		if (!any && c->peer_started) {
			mnl_attr_nest_cancel(nlh, peer_nest);
			return false;
		}
	}
	mnl_attr_nest_end(nlh, peer_nest);
	c->peer_started = true;
	*progress = true;
	if (c->aip != NULL)
		return false;
	c->peer = p->next;
	c->aip = c->peer != NULL ? c->peer->allowedips : NULL;
	c->peer_started = false;
	return true;
}

/* The kernel ignores an endpoint it cannot read instead of failing. */
static int set_device_check(const struct wg_device *dev)
{
	for (const struct wg_peer *p = dev->peers; p != NULL; p = p->next) {
		if ((p->flags & WGPEER_HAS_ENDPOINT) && p->endpoint.addr.sa_family != AF_INET &&
		    p->endpoint.addr.sa_family != AF_INET6)
			return -EINVAL;
		for (const struct wg_allowedip *a = p->allowedips; a != NULL; a = a->next) {
			if (!(a->family == AF_INET && a->cidr <= 32) &&
			    !(a->family == AF_INET6 && a->cidr <= 128))
				return -EINVAL;
		}
	}
	return 0;
}

int wgnl_msg_set_device(struct wgnl_msg_cursor *c, void *buf, size_t len, uint16_t family,
			uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	bool progress;

	if (c->done)
		return 0;
	if (ifname_ok(c->dev->name) < 0 || (c->first && set_device_check(c->dev) < 0))
		return -EINVAL;
	if (len < MNL_NLMSG_HDRLEN + GENL_HDRLEN || len > UINT32_MAX)
		return -EMSGSIZE;
	/* libmnl 1.0.4 leaves attribute padding as it finds it. */
	memset(buf, 0, len);
	nlh = msg_start(buf, family, NLM_F_REQUEST | NLM_F_ACK, seq, WG_CMD_SET_DEVICE,
			WG_GENL_VERSION);
	if (!mnl_attr_put_strz_check(nlh, len, WGDEVICE_A_IFNAME, c->dev->name))
		return -EMSGSIZE;
	progress = c->first;
	if (c->first && !put_device_fields(nlh, len, c->dev))
		return -EMSGSIZE;
	c->first = false;
	if (c->peer != NULL) {
		peers = mnl_attr_nest_start_check(nlh, len, WGDEVICE_A_PEERS);
		if (peers == NULL && !progress)
			return -EMSGSIZE;
		if (peers != NULL) {
			bool put = false;

			while (c->peer != NULL && put_peer(nlh, len, c, &put))
				;
			if (put)
				mnl_attr_nest_end(nlh, peers);
			else
				mnl_attr_nest_cancel(nlh, peers);
			progress = progress || put;
		}
	}
	/* A message that moved nothing forward would repeat for ever. */
	if (!progress)
		return -EMSGSIZE;
	if (c->peer == NULL)
		c->done = true;
	return (int)nlh->nlmsg_len;
}

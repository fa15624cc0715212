/* SPDX-License-Identifier: ISC */
/*
 * rtnetlink through libmnl: one request, one ack, with a receive timeout so
 * that nothing waits for ever.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "monitor/rtnl.h"

#define RTNL_TIMEOUT_SEC 5
#define RTNL_BUF_SIZE    8192

/* Sends the request in buf and waits for its ack; 0 or the kernel's -errno. */
static int rtnl_talk(struct nlmsghdr *nlh, void *buf, size_t buflen)
{
	struct timeval tv = {.tv_sec = RTNL_TIMEOUT_SEC};
	struct mnl_socket *nl = NULL;
	uint32_t portid;
	ssize_t n;
	int ret;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		goto fail;
	}
	portid = mnl_socket_get_portid(nl);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto fail;
	}
	n = mnl_socket_recvfrom(nl, buf, buflen);
	if (n < 0) {
		ret = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		goto fail;
	}
	/* mnl_cb_run turns the ack's error into errno and -1. */
	ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
	ret = ret < 0 ? -errno : 0;
fail:
	if (nl != NULL)
		mnl_socket_close(nl);
	return ret;
}

static int name_ok(const char *ifname, char err[ERR_LEN])
{
	if (ifname == NULL || ifname[0] == '\0' || strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ) {
		text_err(err, "'%s': invalid interface name", ifname == NULL ? "" : ifname);
		return -EINVAL;
	}
	return 0;
}

/* rtnl_link_index with a line in err, for the calls that name a link. */
static int link_index(const char *ifname, char err[ERR_LEN])
{
	unsigned int idx;

	if (name_ok(ifname, err) < 0)
		return -EINVAL;
	idx = if_nametoindex(ifname);
	if (idx == 0 || idx > INT32_MAX) {
		text_err(err, "%s: no such interface", ifname);
		return -ENODEV;
	}
	return (int)idx;
}

int rtnl_link_index(const char *ifname)
{
	char err[ERR_LEN];

	return link_index(ifname, err);
}

static struct nlmsghdr *link_msg(void *buf, uint16_t type, uint16_t flags, int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nlh;
}

static void set_rtnl_error(const char *ifname, const char *what, int ret, char err[ERR_LEN])
{
	if (ret == -EPERM)
		text_err(err, "%s: %s needs CAP_NET_ADMIN", ifname, what);
	else if (ret == -ENODEV)
		text_err(err, "%s: no such interface", ifname);
	else if (ret == -ETIMEDOUT)
		text_err(err, "%s: %s: no answer from the kernel within %d s", ifname, what,
			 RTNL_TIMEOUT_SEC);
	else
		text_err(err, "%s: %s failed: %s", ifname, what, strerror(-ret));
}

int rtnl_link_add_wireguard(const char *ifname, char err[ERR_LEN])
{
	uint8_t buf[RTNL_BUF_SIZE] = {0};
	struct nlmsghdr *nlh;
	struct nlattr *info;
	int ret;

	if (name_ok(ifname, err) < 0)
		return -EINVAL;
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_str(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, info);
	ret = rtnl_talk(nlh, buf, sizeof(buf));
	if (ret == -EEXIST) {
		text_err(err, "%s: an interface of that name exists already", ifname);
	} else if (ret == -EOPNOTSUPP) {
		/* What rtnetlink says for a link kind it does not know. */
		text_err(err,
			 "%s: kernel has no WireGuard (cannot create a link of kind wireguard)",
			 ifname);
	} else if (ret < 0) {
		set_rtnl_error(ifname, "creating the WireGuard link", ret, err);
	}
	return ret;
}

int rtnl_link_del(const char *ifname, char err[ERR_LEN])
{
	uint8_t buf[RTNL_BUF_SIZE] = {0};
	int idx = link_index(ifname, err);
	int ret;

	if (idx < 0)
		return idx;
	ret = rtnl_talk(link_msg(buf, RTM_DELLINK, 0, idx), buf, sizeof(buf));
	if (ret < 0)
		set_rtnl_error(ifname, "deleting the link", ret, err);
	return ret;
}

int rtnl_link_up(const char *ifname, char err[ERR_LEN])
{
	uint8_t buf[RTNL_BUF_SIZE] = {0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int idx = link_index(ifname, err);
	int ret;

	if (idx < 0)
		return idx;
	nlh = link_msg(buf, RTM_NEWLINK, 0, idx);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	ret = rtnl_talk(nlh, buf, sizeof(buf));
	if (ret < 0)
		set_rtnl_error(ifname, "bringing the link up", ret, err);
	return ret;
}

int rtnl_addr_add(const char *ifname, int family, const void *addr, uint8_t prefixlen,
		  char err[ERR_LEN])
{
	uint8_t buf[RTNL_BUF_SIZE] = {0};
	size_t alen = family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int idx, ret;

	if ((family != AF_INET && family != AF_INET6) || addr == NULL || prefixlen > alen * 8) {
		text_err(err, "%s: invalid address (family %d, prefix length %u)",
			 ifname == NULL ? "" : ifname, family, prefixlen);
		return -EINVAL;
	}
	idx = link_index(ifname, err);
	if (idx < 0)
		return idx;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)idx;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	ret = rtnl_talk(nlh, buf, sizeof(buf));
	if (ret == -EEXIST)
		return 0;
	if (ret < 0)
		set_rtnl_error(ifname, "adding an address", ret, err);
	return ret;
}

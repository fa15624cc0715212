/* SPDX-License-Identifier: ISC */
/*
 * The kernel backend: the generic netlink family "wireguard" through libmnl.
 * The messages themselves are built and parsed in wgnl_msg.c and
 * wgnl_parse.c; this file only talks to the kernel and turns its
 * answers into one line in err.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sodium.h>

#include "wg/wgnl.h"
#include "wg/wgnl_msg.h"
#include "wg/wgnl_parse.h"

/* No kernel answer takes this long; a silent socket must not hang vpnd. */
#define NL_TIMEOUT_SEC 5
/* Dumps use messages up to 32 KiB when the reader's buffer allows it. */
#define NL_RECV_SIZE 32768
/* A device that changes during every dump attempt is reported, not chased. */
#define DUMP_TRIES 5

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint8_t *buf; /* NL_RECV_SIZE: replies, and requests before that */
};

static void nl_close(struct nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	if (nl->buf != NULL)
		sodium_memzero(nl->buf, NL_RECV_SIZE); /* may hold private keys */
	free(nl->buf);
	nl->buf = NULL;
}

static void set_nl_error(const char *ifname, const char *what, int ret, char err[ERR_LEN])
{
	switch (ret) {
	case -ENODEV:
		wg_err(err, "%s: no such interface", ifname);
		break;
	case -EPERM:
		wg_err(err, "%s: %s needs CAP_NET_ADMIN", ifname, what);
		break;
	case -EOPNOTSUPP:
		wg_err(err, "%s: not a WireGuard interface", ifname);
		break;
	case -EAGAIN:
		wg_err(err, "%s: %s: no answer from the kernel within %d s", ifname, what,
		       NL_TIMEOUT_SEC);
		break;
	case -EBADMSG:
		wg_err(err, "%s: %s: malformed netlink reply", ifname, what);
		break;
	default:
		wg_err(err, "%s: %s: netlink error: %s", ifname, what, strerror(-ret));
		break;
	}
}

static int nl_send(struct nl *nl, const void *msg, size_t len)
{
	ssize_t n = mnl_socket_sendto(nl->sock, msg, len);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int nl_recv(struct nl *nl, size_t *len)
{
	ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_RECV_SIZE);

	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	*len = (size_t)n;
	return 0;
}

static int nl_resolve_family(struct nl *nl)
{
	size_t len = 0;
	int ret;

	ret = wgnl_msg_getfamily(nl->buf, NL_RECV_SIZE, ++nl->seq);
	if (ret < 0)
		return ret;
	ret = nl_send(nl, nl->buf, (size_t)ret);
	if (ret == 0)
		ret = nl_recv(nl, &len);
	if (ret == 0)
		ret = wgnl_parse_getfamily(nl->buf, len, &nl->family);
	return ret;
}

static int nl_open(struct nl *nl, const char *ifname, char err[ERR_LEN])
{
	struct timeval tv = {.tv_sec = NL_TIMEOUT_SEC};
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_RECV_SIZE);
	if (nl->buf == NULL) {
		wg_err(err, "%s: out of memory", ifname);
		ret = -ENOMEM;
		goto fail;
	}
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (nl->sock == NULL || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		wg_err(err, "%s: cannot open a generic netlink socket: %s", ifname,
		       strerror(errno));
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	ret = nl_resolve_family(nl);
	if (ret == -ENOENT) {
		wg_err(err, "%s: kernel has no WireGuard (genetlink family not found)", ifname);
		goto fail;
	}
	if (ret < 0) {
		set_nl_error(ifname, "resolving the genetlink family", ret, err);
		goto fail;
	}
	return 0;
fail:
	nl_close(nl);
	return ret;
}

/* One dump; 1 when it was interrupted and must be repeated. */
static int dump_once(struct nl *nl, struct wg_device **dev, const char *ifname)
{
	struct wgnl_parse_dump d;
	size_t len = 0;
	int ret;

	ret = wgnl_parse_dump_init(&d, nl->family);
	if (ret < 0)
		return ret;
	ret = wgnl_msg_get_device(nl->buf, NL_RECV_SIZE, nl->family, ++nl->seq, ifname);
	if (ret < 0)
		goto fail;
	ret = nl_send(nl, nl->buf, (size_t)ret);
	while (ret == 0) {
		ret = nl_recv(nl, &len);
		if (ret == 0)
			ret = wgnl_parse_dump_feed(&d, nl->buf, len);
	}
	if (ret < 0)
		goto fail;
	if (d.interrupted) {
		wgnl_parse_dump_finish(&d);
		return 1;
	}
	*dev = d.dev;
	d.dev = NULL;
	return 0;
fail:
	wgnl_parse_dump_finish(&d);
	return ret;
}

int wgnl_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN])
{
	struct nl nl;
	int ret, tries = 0;

	*dev = NULL;
	if (ifname == NULL || ifname[0] == '\0' || strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ) {
		wg_err(err, "'%s': invalid interface name", ifname == NULL ? "" : ifname);
		return -EINVAL;
	}
	ret = nl_open(&nl, ifname, err);
	if (ret < 0)
		return ret;
	do
		ret = dump_once(&nl, dev, ifname);
	while (ret == 1 && ++tries < DUMP_TRIES);
	if (ret == 1) {
		wg_err(err, "%s: the device kept changing during %d dumps", ifname, DUMP_TRIES);
		ret = -EAGAIN;
	} else if (ret < 0) {
		set_nl_error(ifname, "reading the device", ret, err);
	}
	nl_close(&nl);
	return ret;
}

int wgnl_set_device(const struct wg_device *dev, char err[ERR_LEN])
{
	struct wgnl_msg_cursor c;
	uint8_t *msg = NULL;
	struct nl nl;
	size_t len = 0;
	int ret;

	if (dev->name[0] == '\0' || strnlen(dev->name, IFNAMSIZ) >= IFNAMSIZ) {
		wg_err(err, "'%.*s': invalid interface name", IFNAMSIZ, dev->name);
		return -EINVAL;
	}
	ret = nl_open(&nl, dev->name, err);
	if (ret < 0)
		return ret;
	/* Page-sized messages, as wg(8) sends; larger devices are split. */
	msg = malloc(MNL_SOCKET_BUFFER_SIZE);
	if (msg == NULL) {
		wg_err(err, "%s: out of memory", dev->name);
		ret = -ENOMEM;
		goto fail;
	}
	wgnl_msg_cursor_init(&c, dev);
	for (;;) {
		ret = wgnl_msg_set_device(&c, msg, MNL_SOCKET_BUFFER_SIZE, nl.family, ++nl.seq);
		if (ret == -EINVAL) {
			wg_err(err, "%s: invalid endpoint or allowed IP in the request", dev->name);
			goto fail;
		}
		if (ret <= 0)
			break;
		ret = nl_send(&nl, msg, (size_t)ret);
		if (ret == 0)
			ret = nl_recv(&nl, &len);
		if (ret == 0)
			ret = wgnl_parse_ack(nl.buf, len, nl.seq);
		if (ret < 0)
			break;
	}
	if (ret < 0)
		set_nl_error(dev->name, "changing the device", ret, err);
fail:
	if (msg != NULL)
		sodium_memzero(msg, MNL_SOCKET_BUFFER_SIZE);
	free(msg);
	nl_close(&nl);
	return ret < 0 ? ret : 0;
}

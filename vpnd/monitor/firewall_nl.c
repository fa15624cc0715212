/* SPDX-License-Identifier: ISC */
/*
 * The firewall's netlink transport. nfnetlink handles a batch while our
 * sendmsg runs: by the time it returns, every answer is queued on the
 * socket. A commit therefore reads what is there and stops; nothing of one
 * request is left to be mistaken for the next. When a read goes wrong
 * (malformed, unexpected, timed out) the socket is replaced, for the same
 * reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "monitor/firewall_nl.h"

/* Sequence numbers restart well before they could wrap inside a batch. */
#define SEQ_RESTART 0xf0000000u

static int msg_one(struct firewall_nl_reply *r, const struct nlmsghdr *nlh)
{
	size_t paylen = nlh->nlmsg_len - NLMSG_HDRLEN;

	if (r->done)
		return -EPROTO; /* nothing follows the end of a dump */
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = (const void *)((const uint8_t *)nlh + NLMSG_HDRLEN);

		if (paylen < sizeof(*e))
			return -EBADMSG;
		if (e->error > 0 || e->error < -4095)
			return -EBADMSG;
		if (e->error == 0) {
			r->acks++;
			r->ack_seq = nlh->nlmsg_seq;
		} else if (r->error == 0) {
			r->error = e->error;
			r->error_seq = nlh->nlmsg_seq;
		}
		return 0;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		int32_t code = 0;

		if (r->type == 0)
			return -EPROTO;
		if (paylen >= sizeof(code))
			memcpy(&code, (const uint8_t *)nlh + NLMSG_HDRLEN, sizeof(code));
		if (code > 0 || code < -4095)
			return -EBADMSG;
		if (code < 0 && r->error == 0) {
			r->error = code;
			r->error_seq = nlh->nlmsg_seq;
		}
		r->done = true;
		return 0;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE || r->type == 0 || nlh->nlmsg_type != r->type)
		return -EPROTO;
	if (paylen < sizeof(struct nfgenmsg))
		return -EBADMSG;
	const struct nfgenmsg *g = (const void *)((const uint8_t *)nlh + NLMSG_HDRLEN);
	/* Ours are all inet, but the generation, which belongs to no family. */
	uint8_t family = nlh->nlmsg_type == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWGEN)
				 ? NFPROTO_UNSPEC
				 : NFPROTO_INET;
	if (g->nfgen_family != family || g->version != NFNETLINK_V0)
		return -EPROTO;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->interrupted = true;
	return r->cb != NULL ? r->cb(nlh, r->data) : 0;
}

int firewall_nl_parse(struct firewall_nl_reply *r, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		const struct nlmsghdr *nlh = (const void *)p;
		size_t step;
		int ret;

		if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
			return -EBADMSG;
		if (nlh->nlmsg_pid != r->portid || nlh->nlmsg_seq < r->seq_lo ||
		    nlh->nlmsg_seq > r->seq_hi)
			return -EPROTO;
		ret = msg_one(r, nlh);
		if (ret < 0)
			return ret;
		/* The last message of a read may come without its padding. */
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static int sock_open(struct firewall_nl *nl)
{
	struct timeval tv = {.tv_sec = FIREWALL_NL_TIMEOUT_S};
	int one = 1, fd, ret;

	nl->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (nl->sock == NULL)
		return -errno;
	fd = mnl_socket_get_fd(nl->sock);
	/* NETLINK_CAP_ACK: an error echoes the header of the refused
	 * message, not the whole of it (a batch can be megabytes). */
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
		ret = -errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return ret;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

static int gen_attr(const struct nlattr *a, void *data)
{
	struct firewall_nl_gen *g = data;

	if (mnl_attr_get_type(a) != NFTA_GEN_ID)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	g->id = ntohl(mnl_attr_get_u32(a));
	g->found = true;
	return MNL_CB_OK;
}

int firewall_nl_gen_msg(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		return -EBADMSG;
	return mnl_attr_parse(nlh, sizeof(struct nfgenmsg), gen_attr, data) < 0 ? -EBADMSG : 0;
}

int firewall_nl_open(struct firewall_nl *nl)
{
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(FIREWALL_NL_RECV_SIZE);
	if (nl->buf == NULL)
		return -ENOMEM;
	nl->seq = (uint32_t)time(NULL) % SEQ_RESTART;
	ret = sock_open(nl);
	if (ret < 0)
		firewall_nl_close(nl);
	return ret;
}

void firewall_nl_close(struct firewall_nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	free(nl->buf);
	nl->buf = NULL;
}

/* After a read went wrong: whatever is left on the socket goes with it. */
static void sock_reset(struct firewall_nl *nl)
{
	if (nl->sock != NULL)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	(void)sock_open(nl);
}

static int sock_ready(struct firewall_nl *nl)
{
	if (nl->buf == NULL)
		return -EBADF;
	if (nl->seq >= SEQ_RESTART)
		nl->seq = 1;
	return nl->sock != NULL ? 0 : sock_open(nl);
}

static int sock_send(struct firewall_nl *nl, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(nl->sock, buf, len);

	if (n < 0)
		return errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* One read: 1 when there was nothing to read (wait false). Only the kernel
 * (port 0) may answer, and a read must hold whole messages. */
static int sock_recv(struct firewall_nl *nl, size_t *len, bool wait)
{
	struct sockaddr_nl addr;
	struct iovec iov = {.iov_base = nl->buf, .iov_len = FIREWALL_NL_RECV_SIZE};
	struct msghdr msg = {
		.msg_name = &addr,
		.msg_namelen = sizeof(addr),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n = recvmsg(mnl_socket_get_fd(nl->sock), &msg, wait ? 0 : MSG_DONTWAIT);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return wait ? -ETIMEDOUT : 1;
		return -errno;
	}
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (msg.msg_namelen != sizeof(addr) || addr.nl_pid != 0)
		return -EPROTO;
	*len = (size_t)n;
	return 0;
}

int firewall_nl_query(struct firewall_nl *nl, struct nlmsghdr *req, uint16_t type,
		      int (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	struct firewall_nl_reply r = {
		.type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type),
		.cb = cb,
		.data = data,
	};
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	size_t len = 0;
	int ret;

	ret = sock_ready(nl);
	if (ret < 0)
		return ret;
	req->nlmsg_seq = ++nl->seq;
	/* A GET ends with its ack, so that its end is as plain as a dump's. */
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	r.portid = nl->portid;
	r.seq_lo = r.seq_hi = req->nlmsg_seq;
	ret = sock_send(nl, req, req->nlmsg_len);
	while (ret == 0) {
		ret = sock_recv(nl, &len, true);
		if (ret == 0)
			ret = firewall_nl_parse(&r, nl->buf, len);
		if (ret < 0)
			break;
		if (r.error != 0)
			return r.error; /* the kernel's answer ends there */
		if (dump && r.done)
			return r.interrupted ? -EINTR : 0;
		if (!dump && r.acks > 0)
			return 0;
	}
	sock_reset(nl);
	return ret;
}

int firewall_nl_batch_init(struct firewall_nl *nl, struct firewall_batch *b)
{
	int ret;

	memset(b, 0, sizeof(*b));
	ret = sock_ready(nl);
	if (ret < 0)
		return ret;
	b->cap = 2 * FIREWALL_NL_MSG_MAX;
	b->buf = malloc(b->cap);
	if (b->buf == NULL)
		return -ENOMEM;
	b->seq_lo = nl->seq + 1;
	b->seq = b->seq_lo;
	nftnl_batch_begin((char *)b->buf, b->seq++);
	b->len = NLMSG_ALIGN(((struct nlmsghdr *)b->buf)->nlmsg_len);
	return 0;
}

void firewall_nl_batch_finish(struct firewall_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static int reserve(struct firewall_batch *b, size_t more)
{
	size_t cap = b->cap;
	uint8_t *p;

	while (cap - b->len < more)
		cap *= 2;
	if (cap == b->cap)
		return 0;
	p = realloc(b->buf, cap);
	if (p == NULL)
		return -ENOMEM;
	b->buf = p;
	b->cap = cap;
	return 0;
}

struct nlmsghdr *firewall_nl_batch_msg(struct firewall_batch *b, uint16_t type, uint16_t flags)
{
	if (b->error != 0)
		return NULL;
	if (b->buf == NULL || reserve(b, FIREWALL_NL_MSG_MAX + NLMSG_HDRLEN) < 0) {
		b->error = -ENOMEM;
		return NULL;
	}
	memset(b->buf + b->len, 0, NLMSG_HDRLEN + sizeof(struct nfgenmsg));
	return nftnl_nlmsg_build_hdr((char *)b->buf + b->len, type, NFPROTO_INET, flags, b->seq++);
}

void firewall_nl_batch_put(struct firewall_batch *b, const struct nlmsghdr *nlh)
{
	if (b->error != 0)
		return;
	if (nlh->nlmsg_len > FIREWALL_NL_MSG_MAX) {
		b->error = -EMSGSIZE;
		return;
	}
	b->last = b->len;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n++;
}

/* A batch of ten thousand elements is a megabyte, past the default send
 * buffer; netlink refuses a message larger than it. */
static int grow_sndbuf(struct firewall_nl *nl, size_t len)
{
	int fd = mnl_socket_get_fd(nl->sock), want;

	if (len < 128 * 1024)
		return 0;
	if (len > 256 * 1024 * 1024)
		return -EMSGSIZE;
	want = (int)len + 4096;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) == 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) == 0)
		return 0;
	return -errno;
}

int firewall_nl_batch_commit(struct firewall_nl *nl, struct firewall_batch *b, uint32_t *bad_seq)
{
	struct firewall_nl_reply r = {0};
	struct nlmsghdr *last;
	size_t len = 0;
	bool first = true;
	int ret;

	if (b->error != 0)
		return b->error;
	if (b->n == 0)
		return 0;
	ret = sock_ready(nl);
	if (ret == 0)
		ret = reserve(b, NLMSG_HDRLEN + 64);
	if (ret < 0)
		return ret;
	/* One ack, for the last message: the kernel sends it only once the
	 * whole batch is through, and any refusal comes with it or instead. */
	last = (struct nlmsghdr *)(b->buf + b->last);
	last->nlmsg_flags |= NLM_F_ACK;
	nftnl_batch_end((char *)b->buf + b->len, b->seq);
	b->len += NLMSG_ALIGN(((struct nlmsghdr *)(b->buf + b->len))->nlmsg_len);
	if (b->seq > nl->seq)
		nl->seq = b->seq;

	r.portid = nl->portid;
	r.seq_lo = b->seq_lo;
	r.seq_hi = b->seq;
	ret = grow_sndbuf(nl, b->len);
	if (ret == 0)
		ret = sock_send(nl, b->buf, b->len);
	while (ret == 0) {
		ret = sock_recv(nl, &len, first);
		if (ret == 1) {
			ret = 0;
			break;
		}
		if (ret == 0)
			ret = firewall_nl_parse(&r, nl->buf, len);
		first = false;
	}
	if (ret < 0) {
		sock_reset(nl);
		return ret;
	}
	if (r.error != 0) {
		if (bad_seq != NULL)
			*bad_seq = r.error_seq;
		return r.error;
	}
	if (r.acks != 1 || r.ack_seq != last->nlmsg_seq) {
		sock_reset(nl);
		return -EPROTO;
	}
	return 0;
}

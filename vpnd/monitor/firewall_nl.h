/* SPDX-License-Identifier: ISC */
/*
 * nf_tables over netlink for the firewall: one socket, batches that commit
 * or fail whole, queries, and the strict reader of the kernel's replies.
 * libnftnl builds the messages; nothing of libnftnl reads the kernel's
 * (its parsers exit the process on a malformed attribute).
 */
#ifndef KEYGATE_FIREWALL_NL_H
#define KEYGATE_FIREWALL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/* No kernel answer takes this long; a silent socket must not hang vpnd. */
#define FIREWALL_NL_TIMEOUT_S 5
#define FIREWALL_NL_RECV_SIZE 65536
/* Room reserved for each message of a batch; the builders stay far below. */
#define FIREWALL_NL_MSG_MAX 32768

struct mnl_socket;

struct firewall_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t *buf; /* FIREWALL_NL_RECV_SIZE: replies */
};

/* A transaction being built: BEGIN, the messages, END. */
struct firewall_batch {
	uint8_t *buf;
	size_t len, cap;
	size_t last;     /* offset of the last message */
	uint32_t seq_lo; /* BEGIN's; the messages follow */
	uint32_t seq;    /* the next message's */
	unsigned n;      /* messages between BEGIN and END */
	int error;       /* a failed allocation, told at commit */
};

/* What a stream of replies must look like, and what it held. */
struct firewall_nl_reply {
	uint32_t portid;
	uint32_t seq_lo, seq_hi; /* the requests' sequence numbers */
	/* The data messages expected, as nlmsg_type (NFNL_SUBSYS_NFTABLES << 8
	 * | NFT_MSG_NEW*); 0: none. */
	uint16_t type;
	/* Called for each data message; a negative return stops the walk. */
	int (*cb)(const struct nlmsghdr *nlh, void *data);
	void *data;
	/* What the walk found. */
	unsigned acks;
	uint32_t ack_seq;   /* of the last ack */
	int error;          /* the first error the kernel reported, or 0 */
	uint32_t error_seq; /* the message it refused */
	bool done;          /* NLMSG_DONE: a dump's end */
	bool interrupted;   /* NLM_F_DUMP_INTR: the dump raced a change */
};

/* Walks one read of the socket. 0 when every message was well formed and
 * expected (the kernel's own refusals land in r->error); -EBADMSG for bytes
 * that are not netlink messages, -EPROTO for messages that do not belong
 * (another sequence number or sender, a type not asked for, anything after
 * the end of a dump), or what r->cb returned. */
int firewall_nl_parse(struct firewall_nl_reply *r, const void *buf, size_t len);

/* The answer to NFT_MSG_GETGEN: the ruleset's generation, which every
 * commit raises. */
struct firewall_nl_gen {
	bool found;
	uint32_t id;
};

/* A reply_cb for NFT_MSG_NEWGEN, data a struct firewall_nl_gen; 0 or
 * -EBADMSG. */
int firewall_nl_gen_msg(const struct nlmsghdr *nlh, void *data);

int firewall_nl_open(struct firewall_nl *nl);
void firewall_nl_close(struct firewall_nl *nl);

/* A GET, or a dump with NLM_F_DUMP in the request's flags: sends req
 * (its sequence number is set here) and feeds every reply of type `type`
 * to cb. -ENOENT and the like come back as the kernel said them; -EINTR
 * when a dump raced a change (ask again). */
int firewall_nl_query(struct firewall_nl *nl, struct nlmsghdr *req, uint16_t type,
		      int (*cb)(const struct nlmsghdr *nlh, void *data), void *data);

int firewall_nl_batch_init(struct firewall_nl *nl, struct firewall_batch *b);
void firewall_nl_batch_finish(struct firewall_batch *b);
/* The header of the next message, with room for FIREWALL_NL_MSG_MAX bytes;
 * NULL when memory runs out (remembered, told by commit). Fill it, then
 * firewall_nl_batch_put. */
struct nlmsghdr *firewall_nl_batch_msg(struct firewall_batch *b, uint16_t type, uint16_t flags);
void firewall_nl_batch_put(struct firewall_batch *b, const struct nlmsghdr *nlh);
/* Sends the batch and reads every reply: 0 when the kernel committed it,
 * else the first error it reported (the failed message in *bad_seq, if
 * not NULL) and nothing changed. A batch with no messages is 0 at once. */
int firewall_nl_batch_commit(struct firewall_nl *nl, struct firewall_batch *b, uint32_t *bad_seq);

#endif

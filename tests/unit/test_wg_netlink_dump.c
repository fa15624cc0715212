/* SPDX-License-Identifier: ISC */
/*
 * Splitting a large SET_DEVICE over several messages, and parsing
 * GET_DEVICE dumps: split peers, NLM_F_DUMP_INTR, errors, malformed bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include "wg/wgnl.h"
#include "wg/wgnl_msg.h"
#include "wg/wgnl_parse.h"

#define FAM      0x1a
#define MSG_MAX  4096
#define NPEERS   200
#define BIG_PEER 100 /* this one has BIG_AIPS allowed IPs, enough for several messages */
#define BIG_AIPS 300

int test_wg_netlink_split(void);
int test_wg_netlink_dump(void);

static void peer_key(uint8_t k[KEY_LEN], unsigned int i)
{
	memset(k, 0x44, KEY_LEN);
	k[0] = (uint8_t)i;
	k[1] = (uint8_t)(i >> 8);
}

static struct wg_device *big_device(void)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));
	struct wg_peer **tail = &dev->peers;

	assert_non_null(dev);
	strcpy(dev->name, "wg0");
	dev->flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT | WGDEV_REPLACE_PEERS;
	memset(dev->private_key, 0x11, KEY_LEN);
	dev->listen_port = 51820;
	for (unsigned int i = 0; i < NPEERS; i++) {
		struct wg_peer *p = calloc(1, sizeof(*p));
		struct wg_allowedip **at = &p->allowedips;
		unsigned int n = i == BIG_PEER ? BIG_AIPS : 4;

		assert_non_null(p);
		peer_key(p->public_key, i);
		memset(p->preshared_key, 0x55, KEY_LEN);
		p->flags =
			WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_ENDPOINT;
		p->endpoint.addr4.sin_family = AF_INET;
		p->endpoint.addr4.sin_port = htons((uint16_t)(1000 + i));
		p->endpoint.addr4.sin_addr.s_addr = htonl(0xc6336400 | (i & 0xff));
		for (unsigned int j = 0; j < n; j++) {
			struct wg_allowedip *a = calloc(1, sizeof(*a));

			assert_non_null(a);
			a->family = i == BIG_PEER ? AF_INET6 : AF_INET;
			if (a->family == AF_INET) {
				a->ip4.s_addr = htonl(0x0a4d0000 | (i << 8) | j);
				a->cidr = 32;
			} else {
				a->ip6.s6_addr[0] = 0xfd;
				a->ip6.s6_addr[1] = 0x77;
				a->ip6.s6_addr[14] = (uint8_t)(j >> 8);
				a->ip6.s6_addr[15] = (uint8_t)j;
				a->cidr = 128;
			}
			*at = a;
			at = &a->next;
		}
		*tail = p;
		tail = &p->next;
	}
	return dev;
}

/* What one message of the split looks like from outside. */
struct msg_shape {
	bool device_fields;
	int peers;
	uint8_t first_key[KEY_LEN], last_key[KEY_LEN];
	bool first_is_bare; /* only PUBLIC_KEY and ALLOWEDIPS */
	int replace_flags;
};

static void shape_peer(const struct nlattr *peer, struct msg_shape *s)
{
	struct nlattr *a;
	bool bare = true;
	int i = 0;

	mnl_attr_for_each_nested(a, peer)
	{
		uint16_t t = mnl_attr_get_type(a);

		if (i++ == 0) {
			assert_int_equal(t, WGPEER_A_PUBLIC_KEY);
			memcpy(s->last_key, mnl_attr_get_payload(a), KEY_LEN);
			if (s->peers == 0)
				memcpy(s->first_key, s->last_key, KEY_LEN);
		}
		if (t != WGPEER_A_PUBLIC_KEY && t != WGPEER_A_ALLOWEDIPS)
			bare = false;
		if (t == WGPEER_A_FLAGS && (mnl_attr_get_u32(a) & WGPEER_F_REPLACE_ALLOWEDIPS))
			s->replace_flags++;
	}
	if (s->peers == 0)
		s->first_is_bare = bare;
	s->peers++;
}

static void shape_msg(const struct nlmsghdr *nlh, struct msg_shape *s)
{
	struct nlattr *a, *p;
	int i = 0;

	memset(s, 0, sizeof(*s));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
	{
		uint16_t t = mnl_attr_get_type(a);

		if (i++ == 0) {
			assert_int_equal(t, WGDEVICE_A_IFNAME);
			assert_string_equal(mnl_attr_get_str(a), "wg0");
		}
		if (t == WGDEVICE_A_PRIVATE_KEY || t == WGDEVICE_A_LISTEN_PORT ||
		    t == WGDEVICE_A_FLAGS || t == WGDEVICE_A_FWMARK)
			s->device_fields = true;
		if (t == WGDEVICE_A_PEERS) {
			assert_int_equal(i, s->device_fields ? 5 : 2);
			mnl_attr_for_each_nested(p, a) shape_peer(p, s);
		}
	}
}

static void assert_same_device(const struct wg_device *a, const struct wg_device *b)
{
	const struct wg_peer *p, *q;

	assert_string_equal(a->name, b->name);
	assert_memory_equal(a->private_key, b->private_key, KEY_LEN);
	assert_int_equal(a->listen_port, b->listen_port);
	for (p = a->peers, q = b->peers; p != NULL && q != NULL; p = p->next, q = q->next) {
		const struct wg_allowedip *x, *y;

		assert_memory_equal(p->public_key, q->public_key, KEY_LEN);
		assert_memory_equal(p->preshared_key, q->preshared_key, KEY_LEN);
		assert_memory_equal(&p->endpoint.addr4, &q->endpoint.addr4,
				    sizeof(p->endpoint.addr4));
		for (x = p->allowedips, y = q->allowedips; x != NULL && y != NULL;
		     x = x->next, y = y->next) {
			assert_int_equal(x->family, y->family);
			assert_int_equal(x->cidr, y->cidr);
			assert_memory_equal(&x->ip6, &y->ip6, x->family == AF_INET ? 4 : 16);
		}
		assert_true(x == NULL && y == NULL);
	}
	assert_true(p == NULL && q == NULL);
}

static void test_split(void **state)
{
	struct wg_device *dev = big_device(), *back = NULL;
	static uint8_t stream[256 * 1024];
	struct wgnl_msg_cursor c;
	struct msg_shape prev = {0}, s;
	size_t off = 0;
	int n, msgs = 0, continuations = 0, replace = 0;
	struct wgnl_parse_dump d;
	struct nlmsghdr *done;

	wgnl_msg_cursor_init(&c, dev);
	while ((n = wgnl_msg_set_device(&c, stream + off, MSG_MAX, FAM, 10 + msgs)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(stream + off);

		assert_true(n <= MSG_MAX);
		assert_true(off + MSG_MAX * 2 < sizeof(stream));
		shape_msg(nlh, &s);
		assert_int_equal(s.device_fields, msgs == 0);
		assert_true(s.peers > 0);
		/* A peer cut off at the end of one message opens the next, bare. */
		if (msgs > 0 && memcmp(s.first_key, prev.last_key, KEY_LEN) == 0) {
			assert_true(s.first_is_bare);
			continuations++;
		}
		replace += s.replace_flags;
		prev = s;
		/* Seen back from the kernel, the same attributes form a dump. */
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = WG_CMD_GET_DEVICE;
		nlh->nlmsg_flags = NLM_F_MULTI;
		off += (size_t)n;
		msgs++;
	}
	assert_int_equal(n, 0);
	assert_true(msgs >= 5);
	assert_true(continuations >= 2);   /* the big peer spans at least three messages */
	assert_int_equal(replace, NPEERS); /* once per peer, never in a continuation */

	done = mnl_nlmsg_put_header(stream + off);
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_flags = NLM_F_MULTI;
	mnl_nlmsg_put_extra_header(done, sizeof(int));
	off += done->nlmsg_len;

	assert_int_equal(wgnl_parse_dump_init(&d, FAM), 0);
	assert_int_equal(wgnl_parse_dump_feed(&d, stream, off), 1);
	assert_false(d.interrupted);
	back = d.dev;
	d.dev = NULL;
	wgnl_parse_dump_finish(&d);
	assert_same_device(dev, back);
	wg_device_free(&back);
	wg_device_free(&dev);
}

/* One dump reply message, by hand: ifname, an unknown attribute, port, and
 * one peer (key 0x22.., an unknown attribute, keepalive 25, 10.77.0.2/32). */
/* clang-format off */
static const uint8_t dump_msg[] = {
	0x88, 0x00, 0x00, 0x00, FAM, 0x00, 0x02, 0x00, /* len 136, NLM_F_MULTI */
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq 7 */
	0x00, 0x01, 0x00, 0x00, /* WG_CMD_GET_DEVICE v1 */
	0x08, 0x00, 0x02, 0x00, 'w', 'g', '0', 0x00, /* @20 IFNAME */
	0x08, 0x00, 0x63, 0x00, 0xde, 0xad, 0xbe, 0xef, /* @28 type 99: unknown */
	0x06, 0x00, 0x06, 0x00, 0x6c, 0xca, 0x00, 0x00, /* @36 LISTEN_PORT 51820 */
	0x5c, 0x00, 0x08, 0x80, /* @44 PEERS, len 92 */
	0x58, 0x00, 0x00, 0x80, /* @48 peer 0, len 88 */
	0x24, 0x00, 0x01, 0x00, /* @52 PUBLIC_KEY */
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x22, 0x22, 0x22, 0x22, 0x08, 0x00, 0x63, 0x00, 0x01, 0x02, 0x03, 0x04, /* @88 type 99:
										   unknown */
	0x06, 0x00, 0x05, 0x00, 0x19, 0x00, 0x00, 0x00, /* @96 KEEPALIVE 25 */
	0x20, 0x00, 0x09, 0x80, /* @104 ALLOWEDIPS, len 32 */
	0x1c, 0x00, 0x00, 0x80, /* @108 allowed IP 0, len 28 */
	0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, /* @112 FAMILY AF_INET */
	0x08, 0x00, 0x02, 0x00, 0x0a, 0x4d, 0x00, 0x02, /* @120 IPADDR 10.77.0.2 */
	0x05, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x00, /* @128 CIDR 32 */
};
/* clang-format on */
/* clang-format off */
static const uint8_t done_msg[] = {
	0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, /* NLMSG_DONE, NLM_F_MULTI */
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/* Feeds dump_msg (changed at one offset) and done_msg; returns the result. */
static int feed_patched(size_t at, uint8_t value, size_t cut, struct wg_device **out)
{
	uint8_t buf[sizeof(dump_msg) + sizeof(done_msg)];
	struct wgnl_parse_dump d;
	int ret;

	memcpy(buf, dump_msg, sizeof(dump_msg));
	memcpy(buf + sizeof(dump_msg), done_msg, sizeof(done_msg));
	if (at < sizeof(buf))
		buf[at] = value;
	assert_int_equal(wgnl_parse_dump_init(&d, FAM), 0);
	ret = wgnl_parse_dump_feed(&d, buf, sizeof(buf) - cut);
	if (out != NULL) {
		*out = d.dev;
		d.dev = NULL;
	}
	wgnl_parse_dump_finish(&d);
	return ret;
}

static void test_dump_by_hand(void **state)
{
	struct wg_device *dev = NULL;
	const struct wg_allowedip *a;

	assert_int_equal(feed_patched(SIZE_MAX, 0, 0, &dev), 1);
	assert_string_equal(dev->name, "wg0");
	assert_true(dev->flags & WGDEV_HAS_LISTEN_PORT);
	assert_int_equal(dev->listen_port, 51820);
	assert_false(dev->flags & WGDEV_HAS_PRIVATE_KEY);
	assert_non_null(dev->peers);
	assert_null(dev->peers->next);
	assert_int_equal(dev->peers->public_key[31], 0x22);
	assert_int_equal(dev->peers->keepalive, 25);
	a = dev->peers->allowedips;
	assert_non_null(a);
	assert_null(a->next);
	assert_int_equal(a->family, AF_INET);
	assert_int_equal(a->cidr, 32);
	assert_int_equal(ntohl(a->ip4.s_addr), 0x0a4d0002);
	wg_device_free(&dev);
}

static void test_dump_malformed(void **state)
{
	assert_int_equal(feed_patched(20, 3, 0, NULL), -EBADMSG);     /* IFNAME len 3 < header */
	assert_int_equal(feed_patched(27, 'x', 0, NULL), -EBADMSG);   /* IFNAME not NUL-ended */
	assert_int_equal(feed_patched(44, 0x60, 0, NULL), -EBADMSG);  /* PEERS past the message */
	assert_int_equal(feed_patched(48, 0x5c, 0, NULL), -EBADMSG);  /* peer past PEERS */
	assert_int_equal(feed_patched(108, 0x20, 0, NULL), -EBADMSG); /* aip past ALLOWEDIPS */
	assert_int_equal(feed_patched(52, 0x23, 0, NULL), -EBADMSG);  /* 31-byte public key */
	assert_int_equal(feed_patched(96, 0x07, 0, NULL), -EBADMSG);  /* 3-byte keepalive */
	assert_int_equal(feed_patched(132, 33, 0, NULL), -EBADMSG);   /* /33 for IPv4 */
	assert_int_equal(feed_patched(116, 10, 0, NULL), -EBADMSG);   /* AF_INET6, 4 bytes */
	assert_int_equal(feed_patched(130, 0x04, 0, NULL), -EBADMSG); /* no CIDR: unknown type */
	assert_int_equal(feed_patched(54, 0x63, 0, NULL), -EBADMSG);  /* a peer without key */
	assert_int_equal(feed_patched(0, 0x90, 0, NULL), -EBADMSG);   /* nlmsg_len overruns */
	assert_int_equal(feed_patched(3, 0x80, 0, NULL), -EBADMSG);   /* len 2 GiB (fuzzer) */
	assert_int_equal(feed_patched(SIZE_MAX, 0, 24, NULL), -EBADMSG); /* cut in a message */
	assert_int_equal(feed_patched(18, 1, 0, NULL), 1); /* a nonzero genl reserved is fine */
	assert_int_equal(feed_patched(16, WG_CMD_SET_DEVICE, 0, NULL), -EBADMSG);
	assert_int_equal(feed_patched(4, FAM + 1, 0, NULL), -EBADMSG); /* other family */
}

static void test_dump_done_error(void **state)
{
	/* clang-format off */
	static const uint8_t done_err[] = {
		0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x07, 0, 0,
		0, 0, 0, 0, 0, 0xed, 0xff, 0xff, 0xff, /* a dump's error comes in
									 NLMSG_DONE: -ENODEV */
	};
	/* clang-format on */
	struct wgnl_parse_dump d;

	assert_int_equal(wgnl_parse_dump_init(&d, FAM), 0);
	assert_int_equal(wgnl_parse_dump_feed(&d, done_err, sizeof(done_err)), -ENODEV);
	wgnl_parse_dump_finish(&d);
}

/* A reply message for the split-peer tests, built with libmnl. */
static size_t put_reply(uint8_t *buf, uint16_t flags, unsigned int key, bool full,
			unsigned int first_aip, unsigned int naips)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlattr *peers, *peer, *aips, *aip;
	uint8_t k[KEY_LEN];

	nlh->nlmsg_type = FAM;
	nlh->nlmsg_flags = NLM_F_MULTI | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = 1;
	if (full)
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	peer_key(k, key);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, KEY_LEN, k);
	if (full)
		mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1234);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	for (unsigned int i = first_aip; i < first_aip + naips; i++) {
		uint32_t a = htonl(0x0a4d0000 | i);

		aip = mnl_attr_nest_start(nlh, 0);
		mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
		mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 4, &a);
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 32);
		mnl_attr_nest_end(nlh, aip);
	}
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	return nlh->nlmsg_len;
}

static void split_peer_dump(uint16_t second_flags, bool *interrupted, struct wg_device **out)
{
	static uint8_t buf[4096];
	struct wgnl_parse_dump d;
	size_t off;

	assert_int_equal(wgnl_parse_dump_init(&d, FAM), 0);
	/* Peer 1 with IPs 0-2, then again (split) with 3-4; then peer 2 with IP 9. */
	off = put_reply(buf, 0, 1, true, 0, 3);
	assert_int_equal(wgnl_parse_dump_feed(&d, buf, off), 0);
	off = put_reply(buf, second_flags, 1, false, 3, 2);
	assert_int_equal(wgnl_parse_dump_feed(&d, buf, off), 0);
	off = put_reply(buf, 0, 2, true, 9, 1);
	memcpy(buf + off, done_msg, sizeof(done_msg));
	off += sizeof(done_msg);
	assert_int_equal(wgnl_parse_dump_feed(&d, buf, off), 1);
	assert_int_equal(wgnl_parse_dump_feed(&d, buf, off), -EINVAL); /* nothing after DONE */
	*interrupted = d.interrupted;
	*out = d.dev;
	d.dev = NULL;
	wgnl_parse_dump_finish(&d);
}

static void test_dump_split_peer(void **state)
{
	struct wg_device *dev = NULL;
	const struct wg_allowedip *a;
	bool intr = true;
	unsigned int i = 0;

	split_peer_dump(0, &intr, &dev);
	assert_false(intr);
	assert_non_null(dev->peers);
	assert_int_equal(dev->peers->public_key[0], 1);
	assert_int_equal(dev->peers->rx_bytes, 1234);
	for (a = dev->peers->allowedips; a != NULL; a = a->next, i++)
		assert_int_equal(ntohl(a->ip4.s_addr), 0x0a4d0000 | i);
	assert_int_equal(i, 5);
	assert_non_null(dev->peers->next);
	assert_int_equal(dev->peers->next->public_key[0], 2);
	assert_int_equal(ntohl(dev->peers->next->allowedips->ip4.s_addr), 0x0a4d0009);
	assert_null(dev->peers->next->next);
	wg_device_free(&dev);

	/* The kernel flags a dump that raced with a change; the caller retries. */
	split_peer_dump(NLM_F_DUMP_INTR, &intr, &dev);
	assert_true(intr);
	wg_device_free(&dev);
}

static void test_dump_error_reply(void **state)
{
	/* clang-format off */
	static const uint8_t err[] = {
		0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0,
		0xed, 0xff, 0xff, 0xff, /* -ENODEV */
		0x1c, 0, 0, 0, FAM, 0, 0x01, 0x03, 0x07, 0, 0, 0, 0, 0, 0, 0,
	};
	/* clang-format on */
	struct wgnl_parse_dump d;

	assert_int_equal(wgnl_parse_dump_init(&d, FAM), 0);
	assert_int_equal(wgnl_parse_dump_feed(&d, err, sizeof(err)), -ENODEV);
	wgnl_parse_dump_finish(&d);
	assert_int_equal(wgnl_parse_ack(err, sizeof(err), 7), -ENODEV);
	assert_int_equal(wgnl_parse_ack(err, sizeof(err), 8), -EBADMSG); /* not our seq */
	assert_int_equal(wgnl_parse_ack(err, 18, 7), -EBADMSG);
}

int test_wg_netlink_split(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests_name("wg_netlink split", tests, NULL, NULL);
}

int test_wg_netlink_dump(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_by_hand),     cmocka_unit_test(test_dump_malformed),
		cmocka_unit_test(test_dump_done_error),  cmocka_unit_test(test_dump_split_peer),
		cmocka_unit_test(test_dump_error_reply),
	};
	return cmocka_run_group_tests_name("wg_netlink dump", tests, NULL, NULL);
}

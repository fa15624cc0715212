/* SPDX-License-Identifier: ISC */
/*
 * The kernel backend's messages, byte by byte. The expected bytes were
 * written out by hand from linux/wireguard.h and linux/genetlink.h
 * (little-endian host, attribute = u16 len, u16 type, payload, pad to 4;
 * nests carry NLA_F_NESTED = 0x8000 in the type).
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

#define FAM 0x1a /* any family id the controller might hand out */

#define K32(b)                                                                                     \
	b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b,  \
		b, b

static void test_getfamily_request(void **state)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0x24, 0x00, 0x00, 0x00, /* nlmsg_len 36 */
		0x10, 0x00, /* type GENL_ID_CTRL */
		0x01, 0x00, /* flags NLM_F_REQUEST */
		0x01, 0x00, 0x00, 0x00, /* seq 1 */
		0x00, 0x00, 0x00, 0x00, /* pid 0: the kernel */
		0x03, 0x01, 0x00, 0x00, /* genl: CTRL_CMD_GETFAMILY, version 1 */
		0x0e, 0x00, 0x02, 0x00, /* len 14, CTRL_ATTR_FAMILY_NAME */
		'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r', 'd', 0x00, 0x00, 0x00, /* + pad */
	};
	/* clang-format on */
	uint8_t buf[256];

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(wgnl_msg_getfamily(buf, sizeof(buf), 1), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(wgnl_msg_getfamily(buf, 20, 1), -EMSGSIZE);
}

static void test_getfamily_reply(void **state)
{
	/* clang-format off */
	uint8_t reply[] = {
		0x2c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 1, 0, 0, 0, 0,
		0, 0, 0, 0x01, 0x02, 0x00, 0x00, /* CTRL_CMD_NEWFAMILY, v2 */
		0x0e, 0x00, 0x02, 0x00, 'w', 'i', 'r', 'e', 'g', 'u', 'a', 'r', 'd',
		0, 0, 0, 0x06, 0x00, 0x01, 0x00, 0x1a, 0x00, 0x00, 0x00, /* CTRL_ATTR_FAMILY_ID
										     0x1a */
	};
	/* clang-format on */
	uint8_t err[] =
		{
			0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 1,    0, 0,
			0,    0,    0,    0,    0,    0xfe, 0xff, 0xff, 0xff, /* error -ENOENT */
			0x24, 0,    0,    0,    0x10, 0,    1,    0,    1,    0, 0,
			0,    0,    0,    0,    0, /* the request's header */
		};
	uint16_t fam = 0;

	assert_int_equal(wgnl_parse_getfamily(reply, sizeof(reply), &fam), 0);
	assert_int_equal(fam, 0x1a);
	assert_int_equal(wgnl_parse_getfamily(err, sizeof(err), &fam), -ENOENT);
	/* The id attribute claims more bytes than the message has. */
	reply[36] = 0x0a;
	assert_int_equal(wgnl_parse_getfamily(reply, sizeof(reply), &fam), -EBADMSG);
	reply[36] = 0x06;
	assert_int_equal(wgnl_parse_getfamily(reply, sizeof(reply) - 4, &fam), -EBADMSG);
}

static void test_get_device_request(void **state)
{
	/* clang-format off */
	static const uint8_t want[] = {
		0x1c, 0x00, 0x00, 0x00, /* nlmsg_len 28 */
		FAM, 0x00, /* the wireguard family */
		0x01, 0x03, /* NLM_F_REQUEST | NLM_F_DUMP (0x300) */
		0x02, 0x00, 0x00, 0x00, /* seq 2 */
		0x00, 0x00, 0x00, 0x00, /* pid */
		0x00, 0x01, 0x00, 0x00, /* WG_CMD_GET_DEVICE, version 1 */
		0x08, 0x00, 0x02, 0x00, 'w', 'g', '0', 0x00, /* WGDEVICE_A_IFNAME */
	};
	/* clang-format on */
	uint8_t buf[256];

	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(wgnl_msg_get_device(buf, sizeof(buf), FAM, 2, "wg0"), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(wgnl_msg_get_device(buf, sizeof(buf), FAM, 2, ""), -EINVAL);
	assert_int_equal(wgnl_msg_get_device(buf, sizeof(buf), FAM, 2, "sixteen-chars-xx"),
			 -EINVAL);
}

static struct wg_allowedip *aip4(const char *a, uint8_t cidr, struct wg_allowedip *next)
{
	struct wg_allowedip *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	n->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, a, &n->ip4), 1);
	n->cidr = cidr;
	n->next = next;
	return n;
}

/* clang-format off */
static const uint8_t set_want[] = {
	0xf0, 0x00, 0x00, 0x00, /* nlmsg_len 240 */
	FAM, 0x00, /* the wireguard family */
	0x05, 0x00, /* NLM_F_REQUEST | NLM_F_ACK */
	0x03, 0x00, 0x00, 0x00, /* seq 3 */
	0x00, 0x00, 0x00, 0x00, /* pid */
	0x01, 0x01, 0x00, 0x00, /* WG_CMD_SET_DEVICE, version 1 */
	0x08, 0x00, 0x02, 0x00, 'w', 'g', '0', 0x00, /* IFNAME "wg0" */
	0x24, 0x00, 0x03, 0x00, K32(0x11), /* PRIVATE_KEY, len 36 */
	0x06, 0x00, 0x06, 0x00, 0x6c, 0xca, 0x00, 0x00, /* LISTEN_PORT 51820, host order */
	0xa8, 0x00, 0x08, 0x80, /* PEERS, nested, len 168 */
	0xa4, 0x00, 0x00, 0x80, /* peer 0, nested, len 164 */
	0x24, 0x00, 0x01, 0x00, K32(0x22), /* PUBLIC_KEY */
	0x08, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, /* FLAGS REPLACE_ALLOWEDIPS */
	0x24, 0x00, 0x02, 0x00, K32(0x33), /* PRESHARED_KEY */
	0x14, 0x00, 0x04, 0x00, /* ENDPOINT, a sockaddr_in: */
	0x02, 0x00, 0xca, 0x6c, /* AF_INET, port 51820 (network) */
	0xc0, 0x00, 0x02, 0x01, /* 192.0.2.1 */
	0, 0, 0, 0, 0, 0, 0, 0, /* sin_zero */
	0x3c, 0x00, 0x09, 0x80, /* ALLOWEDIPS, nested, len 60 */
	0x1c, 0x00, 0x00, 0x80, /* allowed IP 0, len 28 */
	0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, /* FAMILY AF_INET */
	0x08, 0x00, 0x02, 0x00, 0x0a, 0x4d, 0x00, 0x02, /* IPADDR 10.77.0.2 */
	0x05, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x00, /* CIDR_MASK 32 */
	0x1c, 0x00, 0x00, 0x80, /* allowed IP 1 */
	0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, /* FAMILY AF_INET */
	0x08, 0x00, 0x02, 0x00, 0x0a, 0x4d, 0x01, 0x00, /* IPADDR 10.77.1.0 */
	0x05, 0x00, 0x03, 0x00, 0x18, 0x00, 0x00, 0x00, /* CIDR_MASK 24 */
};
/* clang-format on */

static void test_set_device_one_peer(void **state)
{
	struct wg_device dev = {.name = "wg0"};
	struct wg_peer peer = {0};
	struct wgnl_msg_cursor c;
	uint8_t buf[4096];

	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
	memset(dev.private_key, 0x11, KEY_LEN);
	dev.listen_port = 51820;
	dev.peers = &peer;
	peer.flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_HAS_ENDPOINT | WGPEER_REPLACE_ALLOWEDIPS;
	memset(peer.public_key, 0x22, KEY_LEN);
	memset(peer.preshared_key, 0x33, KEY_LEN);
	peer.endpoint.addr4.sin_family = AF_INET;
	peer.endpoint.addr4.sin_port = htons(51820);
	inet_pton(AF_INET, "192.0.2.1", &peer.endpoint.addr4.sin_addr);
	peer.allowedips = aip4("10.77.0.2", 32, aip4("10.77.1.0", 24, NULL));

	memset(buf, 0xaa, sizeof(buf));
	wgnl_msg_cursor_init(&c, &dev);
	assert_int_equal(wgnl_msg_set_device(&c, buf, sizeof(buf), FAM, 3), sizeof(set_want));
	assert_memory_equal(buf, set_want, sizeof(set_want));
	assert_int_equal(wgnl_msg_set_device(&c, buf, sizeof(buf), FAM, 4), 0);

	/* REPLACE_PEERS and REMOVE_ME map to the kernel's flag bits. */
	dev.flags = WGDEV_REPLACE_PEERS;
	peer.flags = WGPEER_REMOVE_ME | WGPEER_UPDATE_ONLY;
	wgnl_msg_cursor_init(&c, &dev);
	assert_int_equal(wgnl_msg_set_device(&c, buf, sizeof(buf), FAM, 5), 20 + 8 + 8 + 168 - 56);
	/* clang-format off */
	static const uint8_t flags_want[] = {
		0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, /* DEVICE FLAGS REPLACE_PEERS
								      */
		0x70, 0x00, 0x08, 0x80, 0x6c, 0x00, 0x00, 0x80, /* PEERS, peer 0 */
		0x24, 0x00, 0x01, 0x00, K32(0x22), 0x08, 0x00, 0x03, 0x00,
		0x05, 0x00, 0x00, 0x00, /* REMOVE_ME | UPDATE_ONLY */
	};
	/* clang-format on */
	assert_memory_equal(buf + 28, flags_want, sizeof(flags_want));

	/* An endpoint of an unknown family would be dropped by the kernel. */
	peer.flags = WGPEER_HAS_ENDPOINT;
	peer.endpoint.addr.sa_family = AF_UNIX;
	wgnl_msg_cursor_init(&c, &dev);
	assert_int_equal(wgnl_msg_set_device(&c, buf, sizeof(buf), FAM, 6), -EINVAL);

	free(peer.allowedips->next);
	free(peer.allowedips);
}

int test_wg_netlink_split(void);
int test_wg_netlink_dump(void);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getfamily_request),
		cmocka_unit_test(test_getfamily_reply),
		cmocka_unit_test(test_get_device_request),
		cmocka_unit_test(test_set_device_one_peer),
	};
	int failed = cmocka_run_group_tests_name("wg_netlink messages", tests, NULL, NULL);

	failed += test_wg_netlink_split();
	failed += test_wg_netlink_dump();
	return failed;
}

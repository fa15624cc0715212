/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "admin/exposure.h"

static struct exposure_listener listener(const char *addr, uint16_t port, const char *proc)
{
	struct exposure_listener l = {0};

	assert_int_equal(exposure_addr_parse(addr, &l.local), 0);
	l.port = port;
	snprintf(l.proc, sizeof(l.proc), "%s", proc);
	return l;
}

static void test_procnet_lines(void **state)
{
	struct exposure_listener e;
	char ep[64];

	assert_int_equal(
		exposure_parse_procnet_line("  sl  local_address rem_address   st tx_queue "
					    "rx_queue tr tm->when retrnsmt   uid  timeout "
					    "inode\n",
					    AF_INET, &e),
		0);
	assert_int_equal(
		exposure_parse_procnet_line("   0: 00000000:008F 00000000:0000 0A "
					    "00000000:00000000 00:00000000 00000000     0 "
					    "       0 4242 1 0000000000000000 100 0 0 10 0\n",
					    AF_INET, &e),
		1);
	exposure_format_endpoint(&e, ep, sizeof(ep));
	assert_string_equal(ep, "0.0.0.0:143");
	assert_int_equal(e.inode, 4242);
	/* 127.0.0.1 is printed as the native integer of its network bytes. */
	assert_int_equal(exposure_parse_procnet_line("   1: 0100007F:03E1 00000000:0000 0A "
						     "00000000:00000000 00:00000000 00000000 0 0 7",
						     AF_INET, &e),
			 1);
	exposure_format_endpoint(&e, ep, sizeof(ep));
	assert_string_equal(ep, "127.0.0.1:993");
	/* An established connection is not a listener. */
	assert_int_equal(exposure_parse_procnet_line("   2: 0100007F:008F 0100007F:D431 01 "
						     "00000000:00000000 00:00000000 00000000 0 0 8",
						     AF_INET, &e),
			 0);
	assert_int_equal(exposure_parse_procnet_line(
				 "   0: 00000000000000000000000000000000:006E "
				 "00000000000000000000000000000000:0000 0A 00000000:00000000 "
				 "00:00000000 00000000 0 0 99 1",
				 AF_INET6, &e),
			 1);
	exposure_format_endpoint(&e, ep, sizeof(ep));
	assert_string_equal(ep, "[::]:110");
	/* fd77::1 */
	assert_int_equal(exposure_parse_procnet_line(
				 "   0: 000077FD000000000000000001000000:03E3 "
				 "00000000000000000000000000000000:0000 0A 00000000:00000000 "
				 "00:00000000 00000000 0 0 99 1",
				 AF_INET6, &e),
			 1);
	exposure_format_endpoint(&e, ep, sizeof(ep));
	assert_string_equal(ep, "[fd77::1]:995");
	/* Malformed: short address, a v4 address in tcp6, bad inode, too few fields. */
	assert_int_equal(
		exposure_parse_procnet_line("0: 0000:008F 0:0 0A a b c 0 0 1", AF_INET, &e),
		-EINVAL);
	assert_int_equal(exposure_parse_procnet_line(
				 "0: 00000000:008F 00000000:0000 0A a b c 0 0 1", AF_INET6, &e),
			 -EINVAL);
	assert_int_equal(exposure_parse_procnet_line(
				 "0: 00000000:008F 00000000:0000 0A a b c 0 0 x", AF_INET, &e),
			 -EINVAL);
	assert_int_equal(
		exposure_parse_procnet_line(
			"0: 00000000:008F 00000000:0000 0A a b c 0 0 99999999999", AF_INET, &e),
		-EINVAL);
	assert_int_equal(exposure_parse_procnet_line("0: 00000000:008F", AF_INET, &e), -EINVAL);
}

/* Appends one sock_diag reply message to buf at *off. */
static void put_diag(uint8_t *buf, size_t *off, int family, const char *addr, uint16_t port,
		     uint8_t state, uint32_t inode)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);
	struct inet_diag_msg m = {0};

	m.idiag_family = (uint8_t)family;
	m.idiag_state = state;
	m.id.idiag_sport = htons(port);
	m.idiag_inode = inode;
	assert_int_equal(inet_pton(family, addr, m.id.idiag_src), 1);
	h->nlmsg_len = NLMSG_LENGTH(sizeof(m));
	h->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h->nlmsg_flags = NLM_F_MULTI;
	h->nlmsg_seq = h->nlmsg_pid = 0;
	memcpy(NLMSG_DATA(h), &m, sizeof(m));
	*off += NLMSG_ALIGN(h->nlmsg_len);
}

static void put_done(uint8_t *buf, size_t *off)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(buf + *off);

	h->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_flags = NLM_F_MULTI;
	h->nlmsg_seq = h->nlmsg_pid = 0;
	memset(NLMSG_DATA(h), 0, sizeof(int));
	*off += NLMSG_ALIGN(h->nlmsg_len);
}

static void test_diag_parse(void **state)
{
	_Alignas(4) uint8_t buf[1024] = {0};
	struct exposure_list l = {0};
	size_t off = 0;
	char ep[64];

	put_diag(buf, &off, AF_INET, "0.0.0.0", 143, 10, 11);
	put_diag(buf, &off, AF_INET6, "fd77::1", 993, 10, 12);
	put_diag(buf, &off, AF_INET, "10.0.0.1", 110, 1, 13); /* established: skipped */
	assert_int_equal(exposure_parse_diag(buf, off, &l), 0);
	assert_int_equal(l.count, 2);
	exposure_format_endpoint(&l.items[1], ep, sizeof(ep));
	assert_string_equal(ep, "[fd77::1]:993");
	assert_int_equal(l.items[1].inode, 12);

	off = 0;
	put_done(buf, &off);
	assert_int_equal(exposure_parse_diag(buf, off, &l), 1);

	/* A payload shorter than inet_diag_msg is refused, not read past. */
	off = 0;
	put_diag(buf, &off, AF_INET, "0.0.0.0", 143, 10, 11);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_LENGTH(8);
	assert_int_equal(exposure_parse_diag(buf, NLMSG_ALIGN(NLMSG_LENGTH(8)), &l), -EBADMSG);

	/* A length above 2^31 (libmnl 1.0.4 reads past the buffer on it). */
	off = 0;
	put_diag(buf, &off, AF_INET, "0.0.0.0", 143, 10, 11);
	put_diag(buf, &off, AF_INET, "0.0.0.0", 110, 10, 11);
	((struct nlmsghdr *)(buf + off / 2))->nlmsg_len = 0xecececec;
	{
		struct exposure_list tmp = {0};

		assert_int_equal(exposure_parse_diag(buf, off, &tmp), -EBADMSG);
		exposure_list_finish(&tmp);
	}

	/* An error message gives its errno. */
	off = 0;
	{
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		struct nlmsgerr err = {.error = -ENOENT};

		h->nlmsg_len = NLMSG_LENGTH(sizeof(err));
		h->nlmsg_type = NLMSG_ERROR;
		memcpy(NLMSG_DATA(h), &err, sizeof(err));
		assert_int_equal(exposure_parse_diag(buf, h->nlmsg_len, &l), -ENOENT);
	}
	assert_int_equal(l.count, 2);
	exposure_list_finish(&l);
	assert_null(l.items);
}

static void test_classify(void **state)
{
	struct exposure_addr tun[2];
	uint16_t extra[] = {587};
	struct exposure_listener l;

	assert_int_equal(exposure_addr_parse("10.77.0.1/24", &tun[0]), 0);
	assert_int_equal(exposure_addr_parse("fd77::1/64", &tun[1]), 0);
	assert_int_equal(exposure_addr_parse("10.77.0.300", &tun[1]), -EINVAL);
	assert_int_equal(exposure_addr_parse("", &tun[1]), -EINVAL);
	assert_int_equal(exposure_addr_parse("fd77::1", &tun[1]), 0);

	l = listener("0.0.0.0", 143, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_EXPOSED);
	l = listener("::", 995, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_EXPOSED);
	l = listener("10.77.0.1", 143, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_TUNNEL);
	l = listener("fd77::1", 993, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_TUNNEL);
	l = listener("::ffff:10.77.0.1", 110, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_TUNNEL);
	l = listener("10.77.0.2", 110, ""); /* inside the tunnel net, not ours */
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_EXPOSED);
	l = listener("192.0.2.1", 110, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_EXPOSED);
	l = listener("127.0.0.53", 143, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_LOOPBACK);
	l = listener("::1", 143, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_LOOPBACK);
	l = listener("0.0.0.0", 22, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_NOT_MAIL);
	l = listener("0.0.0.0", 587, "");
	assert_int_equal(exposure_classify(&l, tun, 2, NULL, 0), EXPOSURE_NOT_MAIL);
	assert_int_equal(exposure_classify(&l, tun, 2, extra, 1), EXPOSURE_EXPOSED);
	/* No tunnel address known: every non-loopback mail listener is exposed. */
	l = listener("10.77.0.1", 143, "");
	assert_int_equal(exposure_classify(&l, NULL, 0, NULL, 0), EXPOSURE_EXPOSED);
}

static void test_describe(void **state)
{
	struct exposure_addr tun[2];
	struct exposure_listener l;
	char buf[256];

	assert_int_equal(exposure_addr_parse("10.77.0.1/24", &tun[0]), 0);
	l = listener("0.0.0.0", 143, "dovecot");
	exposure_describe(&l, tun, 1, buf, sizeof(buf));
	assert_string_equal(buf, "dovecot listens on 0.0.0.0:143; set listen = 10.77.0.1");

	assert_int_equal(exposure_addr_parse("fd77::1", &tun[1]), 0);
	l = listener("::", 993, "dovecot");
	exposure_describe(&l, tun, 2, buf, sizeof(buf));
	assert_string_equal(buf, "dovecot listens on [::]:993; set listen = fd77::1, 10.77.0.1");
	l = listener("0.0.0.0", 995, "couriertcpd");
	exposure_describe(&l, tun, 2, buf, sizeof(buf));
	assert_string_equal(buf, "couriertcpd listens on 0.0.0.0:995; set SSLADDRESS=10.77.0.1 in "
				 "/etc/courier/pop3d-ssl");
	l = listener("0.0.0.0", 143, "couriertcpd");
	exposure_describe(&l, tun, 2, buf, sizeof(buf));
	assert_string_equal(buf, "couriertcpd listens on 0.0.0.0:143; set ADDRESS=10.77.0.1 in "
				 "/etc/courier/imapd");
	l = listener("192.0.2.1", 587, "master");
	exposure_describe(&l, tun, 2, buf, sizeof(buf));
	assert_string_equal(buf, "postfix (master) listens on 192.0.2.1:587; in master.cf name the "
				 "service 10.77.0.1:587");
	l = listener("0.0.0.0", 110, "");
	exposure_describe(&l, tun, 2, buf, sizeof(buf));
	assert_string_equal(buf,
			    "a process listens on 0.0.0.0:110; bind it to 10.77.0.1, fd77::1 only");
}

static int listen_on(const char *addr, uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(*port)};
	socklen_t len = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Our own listeners, found through the real kernel by both paths. */
static void check_live(int use_diag)
{
	struct exposure_list all = {0}, bad = {0};
	struct exposure_addr tun;
	uint16_t ports[2] = {0, 0};
	int wild = listen_on("0.0.0.0", &ports[0]);
	int lo = listen_on("127.0.0.1", &ports[1]);
	char buf[256], want[256];

	assert_int_equal(exposure_addr_parse("10.77.0.1", &tun), 0);
	if (use_diag)
		assert_int_equal(exposure_read_diag(&all), 0);
	else
		assert_int_equal(exposure_read_procnet(&all, "/proc/net/tcp", "/proc/net/tcp6"), 0);
	assert_true(all.count >= 2);
	assert_int_equal(exposure_find(&all, &tun, 1, ports, 2, &bad), 0);
	exposure_name_owners(&bad, "/proc");
	/* Only ours can be on these ephemeral ports; the loopback one is safe. */
	assert_int_equal(bad.count, 1);
	assert_int_not_equal(bad.items[0].inode, 0);
	exposure_describe(&bad.items[0], &tun, 1, buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "test-exposure listens on 0.0.0.0:%u; bind it to 10.77.0.1 only", ports[0]);
	assert_string_equal(buf, want);
	exposure_list_finish(&all);
	exposure_list_finish(&bad);
	close(wild);
	close(lo);
}

static void test_live_diag(void **state)
{
	check_live(1);
}

static void test_live_procnet(void **state)
{
	check_live(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procnet_lines), cmocka_unit_test(test_diag_parse),
		cmocka_unit_test(test_classify),      cmocka_unit_test(test_describe),
		cmocka_unit_test(test_live_diag),     cmocka_unit_test(test_live_procnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

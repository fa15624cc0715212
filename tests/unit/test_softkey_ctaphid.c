/* SPDX-License-Identifier: ISC */
/*
 * softkey's CTAPHID layer seen from the wire: channel allocation, PING,
 * the ERROR replies for bad frames, KEEPALIVE while it waits for a touch,
 * and CANCEL.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "softkey_proc.h"

#define BROADCAST     0xffffffffu
#define CMD_PING      0x81
#define CMD_INIT      0x86
#define CMD_CBOR      0x90
#define CMD_CANCEL    0x91
#define CMD_KEEPALIVE 0xbb
#define CMD_ERROR     0xbf

static struct softkey_proc sp;
static int fd = -1;

static int setup(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (softkey_proc_mkdir(&sp) != 0 ||
	    softkey_proc_start(&sp, "--frame-timeout", "200", "--touch-delay", "400", NULL) != 0)
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sp.sock);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	return connect(fd, (struct sockaddr *)&sun, sizeof(sun));
}

static int teardown(void **state)
{
	close(fd);
	assert_int_equal(softkey_proc_stop(&sp), 0);
	softkey_proc_cleanup(&sp);
	return 0;
}

static void put_cid(uint8_t *f, uint32_t cid)
{
	f[0] = (uint8_t)(cid >> 24);
	f[1] = (uint8_t)(cid >> 16);
	f[2] = (uint8_t)(cid >> 8);
	f[3] = (uint8_t)cid;
}

static uint32_t get_cid(const uint8_t *f)
{
	return (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
}

static void send_init_frame(uint32_t cid, uint8_t cmd, uint16_t len, const uint8_t *data, size_t n)
{
	uint8_t f[64] = {0};

	put_cid(f, cid);
	f[4] = cmd;
	f[5] = (uint8_t)(len >> 8);
	f[6] = (uint8_t)len;
	memcpy(f + 7, data, n < 57 ? n : 57);
	assert_int_equal(send(fd, f, 64, 0), 64);
}

static void send_cont_frame(uint32_t cid, uint8_t seq, const uint8_t *data, size_t n)
{
	uint8_t f[64] = {0};

	put_cid(f, cid);
	f[4] = seq;
	memcpy(f + 5, data, n < 59 ? n : 59);
	assert_int_equal(send(fd, f, 64, 0), 64);
}

/* Returns false when nothing came within ms. */
static bool recv_frame(uint8_t *f, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	if (poll(&pfd, 1, ms) != 1)
		return false;
	assert_int_equal(recv(fd, f, 64, 0), 64);
	return true;
}

static uint32_t channel(void)
{
	static const uint8_t nonce[8] = "nonce-01";
	uint8_t f[64];

	send_init_frame(BROADCAST, CMD_INIT, 8, nonce, 8);
	assert_true(recv_frame(f, 2000));
	assert_int_equal(get_cid(f), BROADCAST);
	assert_int_equal(f[4], CMD_INIT);
	assert_int_equal(f[5] << 8 | f[6], 17);
	assert_memory_equal(f + 7, nonce, 8);
	assert_int_equal(f[7 + 12], 2); /* protocol version */
	assert_true(f[7 + 16] & 0x04);  /* CBOR */
	assert_int_not_equal(get_cid(f + 15), 0);
	assert_int_not_equal(get_cid(f + 15), BROADCAST);
	return get_cid(f + 15);
}

static void expect_error(uint32_t cid, uint8_t code)
{
	uint8_t f[64];

	assert_true(recv_frame(f, 2000));
	assert_int_equal(get_cid(f), cid);
	assert_int_equal(f[4], CMD_ERROR);
	assert_int_equal(f[7], code);
}

static void test_init_and_ping(void **state)
{
	uint32_t a = channel(), b = channel();
	uint8_t msg[200], got[200], f[64];
	size_t off;

	assert_int_not_equal(a, b);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	send_init_frame(a, CMD_PING, sizeof(msg), msg, 57);
	for (uint8_t seq = 0, i = 57; i < sizeof(msg); i += 59)
		send_cont_frame(a, seq++, msg + i, sizeof(msg) - i);
	assert_true(recv_frame(f, 2000));
	assert_int_equal(get_cid(f), a);
	assert_int_equal(f[4], CMD_PING);
	assert_int_equal(f[5] << 8 | f[6], sizeof(msg));
	memcpy(got, f + 7, 57);
	for (off = 57; off < sizeof(msg); off += 59) {
		assert_true(recv_frame(f, 2000));
		assert_int_equal(f[4], (off - 57) / 59);
		memcpy(got + off, f + 5, sizeof(msg) - off < 59 ? sizeof(msg) - off : 59);
	}
	assert_memory_equal(got, msg, sizeof(msg));
}

static void test_bad_frames(void **state)
{
	uint32_t a = channel(), b = channel();
	uint8_t data[59] = {0}, f[64];

	/* Unallocated channel; a non-INIT command on the broadcast channel. */
	send_init_frame(0x01020304, CMD_PING, 1, data, 1);
	expect_error(0x01020304, 0x0b);
	send_init_frame(BROADCAST, CMD_PING, 1, data, 1);
	expect_error(BROADCAST, 0x0b);
	/* More than 57 + 128 * 59 bytes. */
	send_init_frame(a, CMD_PING, 7610, data, 57);
	expect_error(a, 0x03);
	/* A continuation out of sequence. */
	send_init_frame(a, CMD_PING, 100, data, 57);
	send_cont_frame(a, 1, data, 59);
	expect_error(a, 0x04);
	/* Another channel while a message is half in: busy; the first completes. */
	send_init_frame(a, CMD_PING, 100, data, 57);
	send_init_frame(b, CMD_PING, 1, data, 1);
	expect_error(b, 0x06);
	send_cont_frame(a, 0, data, 59);
	assert_true(recv_frame(f, 2000));
	assert_int_equal(f[4], CMD_PING);
	assert_int_equal(get_cid(f), a);
	assert_true(recv_frame(f, 2000));
	assert_int_equal(f[4], 0);
	/* The rest of a message never comes. */
	send_init_frame(a, CMD_PING, 100, data, 57);
	assert_false(recv_frame(f, 100));
	expect_error(a, 0x05);
	/* An unknown command. */
	send_init_frame(a, 0xaa, 0, data, 0);
	expect_error(a, 0x01);
}

/* authenticatorMakeCredential, by hand: cdh, rp {id: "x"}, user {id: h'01'},
 * pubKeyCredParams [{alg: -7, type: "public-key"}]. */
static size_t make_cred_request(uint8_t *req)
{
	static const uint8_t tail[] = {0x02, 0xa1, 0x62, 'i',  'd',  0x61, 'x',  0x03, 0xa1, 0x62,
				       'i',  'd',  0x41, 0x01, 0x04, 0x81, 0xa2, 0x63, 'a',  'l',
				       'g',  0x26, 0x64, 't',  'y',  'p',  'e',  0x6a, 'p',  'u',
				       'b',  'l',  'i',  'c',  '-',  'k',  'e',  'y'};
	size_t n = 0;

	req[n++] = 0x01;
	req[n++] = 0xa4;
	req[n++] = 0x01;
	req[n++] = 0x58;
	req[n++] = 0x20;
	memset(req + n, 0x55, 32);
	n += 32;
	memcpy(req + n, tail, sizeof(tail));
	return n + sizeof(tail);
}

static void test_keepalive_and_cancel(void **state)
{
	uint32_t a = channel(), b = channel();
	uint8_t req[128], f[64], data[8] = {0};
	size_t n = make_cred_request(req);
	int keepalives = 0;

	/* Touched after 400 ms: keepalives first, then the credential. */
	send_init_frame(a, CMD_CBOR, (uint16_t)n, req, n);
	send_cont_frame(a, 0, req + 57, n - 57);
	for (;;) {
		assert_true(recv_frame(f, 2000));
		if (f[4] != CMD_KEEPALIVE)
			break;
		assert_int_equal(f[7], 2); /* waiting for a touch */
		keepalives++;
		if (keepalives == 1) {
			/* Meanwhile another channel is told to wait. */
			send_init_frame(b, CMD_PING, 1, data, 1);
			assert_true(recv_frame(f, 2000));
			if (f[4] == CMD_KEEPALIVE)
				assert_true(recv_frame(f, 2000));
			assert_int_equal(get_cid(f), b);
			assert_int_equal(f[4], CMD_ERROR);
			assert_int_equal(f[7], 0x06);
		}
	}
	assert_true(keepalives >= 2);
	assert_int_equal(f[4], CMD_CBOR);
	assert_int_equal(f[7], 0x00);
	/* The rest of the (long) reply. */
	for (int left = (f[5] << 8 | f[6]) - 57; left > 0; left -= 59)
		assert_true(recv_frame(f, 2000));

	/* CANCEL while waiting: CTAP2_ERR_KEEPALIVE_CANCEL. */
	send_init_frame(a, CMD_CBOR, (uint16_t)n, req, n);
	send_cont_frame(a, 0, req + 57, n - 57);
	assert_true(recv_frame(f, 2000));
	assert_int_equal(f[4], CMD_KEEPALIVE);
	send_init_frame(a, CMD_CANCEL, 0, data, 0);
	do
		assert_true(recv_frame(f, 2000));
	while (f[4] == CMD_KEEPALIVE);
	assert_int_equal(f[4], CMD_CBOR);
	assert_int_equal(f[5] << 8 | f[6], 1);
	assert_int_equal(f[7], 0x2d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_and_ping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_and_cancel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * The daemon benchmark's clients (bench_daemon.c drives them): devices enrolled with
 * a real vpnd through the real protocol, each a WireGuard key pair and an
 * ES256 credential signed in process with OpenSSL (as softkey would sign,
 * without its process and socket), and exchanges over UDP from many
 * source addresses at once, non-blocking, one socket per exchange.
 */
#ifndef KEYGATE_BENCH_LOADGEN_H
#define KEYGATE_BENCH_LOADGEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "proto/proto.h"

struct loadgen_device {
	uint8_t sk[KEY_LEN], pub[KEY_LEN];
	EVP_PKEY *ec;
	uint8_t cred_id[16];
	uint32_t count;
	char name[PROTO_NAME_MAX + 1]; /* the peer's, from its URI */
};

/* What all exchanges share. */
struct loadgen {
	struct sockaddr_in gw;
	uint8_t gw_pub[KEY_LEN];
	uint32_t src_base; /* host order: source addresses src_base + 1 ... + 65534 */
	uint32_t src_next;
	struct loadgen_device *devs;
	int n_devs;
	/* The last slot certificate verified: one check per slot and key, as
	 * a real client pays once per exchange; the gateway's share is what
	 * is measured, and the two share these cores. */
	uint8_t cert[PROTO_CHALLENGE_LEN - 68 - PROTO_MAC_LEN];
	bool have_cert;
	unsigned long refused[PROTO_ERR_SEND_MAX + 1]; /* REPLYs by status */
};

/* One exchange in flight. */
struct loadgen_exchange {
	int fd;
	int dev;
	int stage; /* 0 free, 1 HELLO sent, 2 REQUEST sent */
	int tries;
	double started, sent;
	struct proto_client c;
	uint8_t pkt[PROTO_REQUEST_LEN];
	size_t len;
};

int loadgen_device_init(struct loadgen_device *d);
void loadgen_device_finish(struct loadgen_device *d);
/* An ENROLL of d with the code of a URI, synchronous; 0 or -errno, or a
 * refusal's enum proto_err. */
int loadgen_enroll(struct loadgen *lg, struct loadgen_device *d,
		   const uint8_t code[PROTO_CODE_LEN]);
/* Enrolls a device per URI of the file (one a line, as `vpnd peer add`
 * prints them) into lg->devs, which has room; a URI that fails is told
 * on stderr under prog's name and skipped. 0, or -ENOENT when none
 * enrolled. */
int loadgen_enroll_uris(struct loadgen *lg, const char *path, const char *prog);
/* Starts an ACTIVATE of device dev from the next source address. */
int loadgen_start(struct loadgen *lg, struct loadgen_exchange *x, int dev, double now);
/* A datagram for x: 1 when the exchange is done (activated), 0 when it
 * goes on, -errno when it failed. */
int loadgen_receive(struct loadgen *lg, struct loadgen_exchange *x, double now);
/* Sends the last packet again after timeout_s; -ETIMEDOUT after tries. */
int loadgen_retransmit(struct loadgen_exchange *x, double now, double timeout_s, int tries);
void loadgen_end(struct loadgen_exchange *x);

#endif

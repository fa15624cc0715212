/* SPDX-License-Identifier: ISC */
/*
 * CTAPHID framing (FIDO CTAP 2.1, section 11.2): 64-byte reports, an
 * initialisation frame (CID, command with bit 7 set, 16-bit length, 57
 * bytes) followed by continuation frames (CID, sequence 0..127, 59 bytes).
 * The reassembler is a pure function of the frames and the clock so that a
 * fuzz target can drive it without a socket.
 */
#ifndef SOFTKEY_CTAPHID_H
#define SOFTKEY_CTAPHID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTAPHID_REPORT_LEN 64
#define CTAPHID_INIT_DATA  57
#define CTAPHID_CONT_DATA  59
/* 57 + 128 * 59: the most a message can carry. */
#define CTAPHID_MAX_MSG   7609
#define CTAPHID_BROADCAST 0xffffffffu

#define CTAPHID_PING      0x81
#define CTAPHID_MSG       0x83
#define CTAPHID_LOCK      0x84
#define CTAPHID_INIT      0x86
#define CTAPHID_WINK      0x88
#define CTAPHID_CBOR      0x90
#define CTAPHID_CANCEL    0x91
#define CTAPHID_KEEPALIVE 0xbb
#define CTAPHID_ERROR     0xbf

#define CTAPHID_ERR_INVALID_CMD     0x01
#define CTAPHID_ERR_INVALID_PAR     0x02
#define CTAPHID_ERR_INVALID_LEN     0x03
#define CTAPHID_ERR_INVALID_SEQ     0x04
#define CTAPHID_ERR_MSG_TIMEOUT     0x05
#define CTAPHID_ERR_CHANNEL_BUSY    0x06
#define CTAPHID_ERR_INVALID_CHANNEL 0x0b
#define CTAPHID_ERR_OTHER           0x7f

#define CTAPHID_CAP_WINK 0x01
#define CTAPHID_CAP_CBOR 0x04
#define CTAPHID_CAP_NMSG 0x08

#define CTAPHID_KEEPALIVE_PROCESSING 1
#define CTAPHID_KEEPALIVE_UPNEEDED   2

struct ctaphid_rx {
	bool active;
	uint32_t cid;
	uint8_t cmd;
	uint8_t next_seq;
	uint16_t len;
	uint16_t got;
	int64_t deadline_ms;
	int timeout_ms; /* allowed gap between two frames of one message */
	uint8_t buf[CTAPHID_MAX_MSG];
};

enum ctaphid_rx_status {
	CTAPHID_RX_MORE,   /* frame taken, message incomplete */
	CTAPHID_RX_IGNORE, /* frame dropped silently (a stray continuation) */
	CTAPHID_RX_DONE,   /* *msg holds a complete message */
	CTAPHID_RX_ERROR,  /* send CTAPHID_ERROR msg->error to msg->cid */
};

struct ctaphid_msg {
	uint32_t cid;
	uint8_t cmd;
	uint8_t error;
	uint16_t len;
	const uint8_t *data; /* into the rx buffer or the frame; valid until the next feed */
};

void ctaphid_rx_init(struct ctaphid_rx *rx, int timeout_ms);
/* Takes one report. A frame from another channel while a message is being
 * assembled gets CHANNEL_BUSY, except a one-frame INIT, which always passes. */
enum ctaphid_rx_status ctaphid_rx_feed(struct ctaphid_rx *rx, const uint8_t *frame, int64_t now_ms,
				       struct ctaphid_msg *msg);
/* MSG_TIMEOUT when the gap between fragments has passed; CTAPHID_RX_MORE otherwise. */
enum ctaphid_rx_status ctaphid_rx_expire(struct ctaphid_rx *rx, int64_t now_ms,
					 struct ctaphid_msg *msg);
/* Milliseconds until ctaphid_rx_expire has work, or -1. */
int ctaphid_rx_wait_ms(const struct ctaphid_rx *rx, int64_t now_ms);

typedef int (*ctaphid_send_fn)(void *ctx, const uint8_t *report);
/* Splits a message into reports; returns 0 or -errno (from send, or
 * -EMSGSIZE). */
int ctaphid_tx(uint32_t cid, uint8_t cmd, const uint8_t *data, size_t len, ctaphid_send_fn send,
	       void *ctx);

static inline uint32_t ctaphid_get_cid(const uint8_t *frame)
{
	return (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 | (uint32_t)frame[2] << 8 |
	       frame[3];
}

#endif

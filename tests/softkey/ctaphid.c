/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "ctaphid.h"

void ctaphid_rx_init(struct ctaphid_rx *rx, int timeout_ms)
{
	rx->active = false;
	rx->got = 0;
	rx->len = 0;
	rx->timeout_ms = timeout_ms;
}

static enum ctaphid_rx_status rx_error(struct ctaphid_msg *msg, uint32_t cid, uint8_t err)
{
	msg->cid = cid;
	msg->cmd = CTAPHID_ERROR;
	msg->error = err;
	msg->len = 0;
	msg->data = NULL;
	return CTAPHID_RX_ERROR;
}

static enum ctaphid_rx_status rx_done(struct ctaphid_rx *rx, struct ctaphid_msg *msg)
{
	rx->active = false;
	msg->cid = rx->cid;
	msg->cmd = rx->cmd;
	msg->error = 0;
	msg->len = rx->len;
	msg->data = rx->buf;
	return CTAPHID_RX_DONE;
}

enum ctaphid_rx_status ctaphid_rx_feed(struct ctaphid_rx *rx, const uint8_t *frame, int64_t now_ms,
				       struct ctaphid_msg *msg)
{
	uint32_t cid = ctaphid_get_cid(frame);
	uint8_t type = frame[4];
	size_t n;

	if (type & 0x80) {
		uint16_t len = (uint16_t)(frame[5] << 8 | frame[6]);

		if (rx->active && cid != rx->cid) {
			/* INIT fits one frame and may resynchronise any channel. */
			if (type == CTAPHID_INIT && len <= CTAPHID_INIT_DATA) {
				msg->cid = cid;
				msg->cmd = type;
				msg->error = 0;
				msg->len = len;
				msg->data = frame + 7;
				return CTAPHID_RX_DONE;
			}
			return rx_error(msg, cid, CTAPHID_ERR_CHANNEL_BUSY);
		}
		if (rx->active && type != CTAPHID_INIT) {
			/* A new request in the middle of one: the sender lost track. */
			rx->active = false;
			return rx_error(msg, cid, CTAPHID_ERR_INVALID_SEQ);
		}
		rx->active = false;
		if (len > CTAPHID_MAX_MSG)
			return rx_error(msg, cid, CTAPHID_ERR_INVALID_LEN);
		rx->cid = cid;
		rx->cmd = type;
		rx->len = len;
		n = len < CTAPHID_INIT_DATA ? len : CTAPHID_INIT_DATA;
		memcpy(rx->buf, frame + 7, n);
		rx->got = (uint16_t)n;
		rx->next_seq = 0;
		if (rx->got == rx->len)
			return rx_done(rx, msg);
		rx->active = true;
		rx->deadline_ms = now_ms + rx->timeout_ms;
		return CTAPHID_RX_MORE;
	}

	/* Continuation frames outside a message are noise on the bus: the
	 * specification says to ignore them. */
	if (!rx->active)
		return CTAPHID_RX_IGNORE;
	if (cid != rx->cid)
		return rx_error(msg, cid, CTAPHID_ERR_CHANNEL_BUSY);
	if (type != rx->next_seq) {
		rx->active = false;
		return rx_error(msg, cid, CTAPHID_ERR_INVALID_SEQ);
	}
	n = (size_t)(rx->len - rx->got);
	if (n > CTAPHID_CONT_DATA)
		n = CTAPHID_CONT_DATA;
	memcpy(rx->buf + rx->got, frame + 5, n);
	rx->got = (uint16_t)(rx->got + n);
	rx->next_seq++;
	if (rx->got == rx->len)
		return rx_done(rx, msg);
	rx->deadline_ms = now_ms + rx->timeout_ms;
	return CTAPHID_RX_MORE;
}

enum ctaphid_rx_status ctaphid_rx_expire(struct ctaphid_rx *rx, int64_t now_ms,
					 struct ctaphid_msg *msg)
{
	if (!rx->active || now_ms < rx->deadline_ms)
		return CTAPHID_RX_MORE;
	rx->active = false;
	return rx_error(msg, rx->cid, CTAPHID_ERR_MSG_TIMEOUT);
}

int ctaphid_rx_wait_ms(const struct ctaphid_rx *rx, int64_t now_ms)
{
	if (!rx->active)
		return -1;
	if (rx->deadline_ms <= now_ms)
		return 0;
	return (int)(rx->deadline_ms - now_ms);
}

int ctaphid_tx(uint32_t cid, uint8_t cmd, const uint8_t *data, size_t len, ctaphid_send_fn send,
	       void *ctx)
{
	uint8_t frame[CTAPHID_REPORT_LEN];
	size_t off, n;
	uint8_t seq = 0;
	int r;

	if (len > CTAPHID_MAX_MSG)
		return -EMSGSIZE;
	memset(frame, 0, sizeof(frame));
	frame[0] = (uint8_t)(cid >> 24);
	frame[1] = (uint8_t)(cid >> 16);
	frame[2] = (uint8_t)(cid >> 8);
	frame[3] = (uint8_t)cid;
	frame[4] = cmd;
	frame[5] = (uint8_t)(len >> 8);
	frame[6] = (uint8_t)len;
	n = len < CTAPHID_INIT_DATA ? len : CTAPHID_INIT_DATA;
	if (n > 0)
		memcpy(frame + 7, data, n);
	if ((r = send(ctx, frame)) < 0)
		return r;
	for (off = n; off < len; off += n) {
		n = len - off < CTAPHID_CONT_DATA ? len - off : CTAPHID_CONT_DATA;
		memset(frame + 4, 0, sizeof(frame) - 4);
		frame[4] = seq++;
		memcpy(frame + 5, data + off, n);
		if ((r = send(ctx, frame)) < 0)
			return r;
	}
	return 0;
}

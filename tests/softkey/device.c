/* SPDX-License-Identifier: ISC */
/*
 * The CTAPHID device: channel allocation and the commands that ride on
 * CTAPHID (INIT, PING, WINK, CANCEL, MSG, CBOR). One transaction at a time,
 * as on a real key; while one waits for a touch, softkey_frame() only
 * answers INIT and CANCEL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "skcrypto.h"
#include "softkey.h"

#define VERSION_MAJOR 0
#define VERSION_MINOR 1
#define VERSION_BUILD 0

int softkey_new_key_agreement(struct softkey *sk)
{
	skc_ecdh_destroy(&sk->ka);
	return skc_ecdh_create(&sk->ka);
}

int softkey_power_up(struct softkey *sk)
{
	randombytes_buf(sk->token, sizeof(sk->token));
	sk->token_valid = false;
	sk->pin_fails = 0;
	return softkey_new_key_agreement(sk);
}

int softkey_init(struct softkey *sk, const struct sk_config *cfg, const struct sk_state *st)
{
	uint8_t priv[SKC_PRIV_LEN];
	int r;

	memset(sk, 0, sizeof(*sk));
	sk->cfg = *cfg;
	sk->st = *st;
	sk->next_cid = 1;
	ctaphid_rx_init(&sk->rx, cfg->frame_timeout_ms);
	if ((r = softkey_power_up(sk)) < 0)
		goto fail;
	if ((r = skc_derive_es256(st->secret, "keygate softkey attestation v1", priv)) < 0 ||
	    (r = skc_self_cert(priv, &sk->u2f_cert, &sk->u2f_cert_len)) < 0)
		goto fail;
	r = 0;
fail:
	sodium_memzero(priv, sizeof(priv));
	if (r < 0)
		softkey_finish(sk);
	return r;
}

void softkey_finish(struct softkey *sk)
{
	skc_ecdh_destroy(&sk->ka);
	free(sk->u2f_cert);
	sk->u2f_cert = NULL;
	sodium_memzero(&sk->st, sizeof(sk->st));
	sodium_memzero(sk->token, sizeof(sk->token));
}

int softkey_save(struct softkey *sk)
{
	if (sk->save_state == NULL)
		return 0;
	return sk->save_state(sk);
}

int softkey_keepalive(struct softkey *sk, uint8_t status)
{
	return ctaphid_tx(sk->busy_cid, CTAPHID_KEEPALIVE, &status, 1, sk->send, sk->io);
}

int softkey_touch(struct softkey *sk)
{
	if (sk->wait_touch == NULL)
		return sk->cfg.presence ? CTAP2_OK : CTAP2_ERR_OPERATION_DENIED;
	return sk->wait_touch(sk);
}

static int send_error(struct softkey *sk, uint32_t cid, uint8_t err)
{
	return ctaphid_tx(cid, CTAPHID_ERROR, &err, 1, sk->send, sk->io);
}

static bool cid_allocated(const struct softkey *sk, uint32_t cid)
{
	return cid != 0 && cid < sk->next_cid;
}

static int handle_init(struct softkey *sk, const struct ctaphid_msg *m)
{
	uint8_t out[17];
	uint32_t cid = m->cid;

	if (m->len != 8)
		return send_error(sk, m->cid, CTAPHID_ERR_INVALID_LEN);
	if (cid == CTAPHID_BROADCAST) {
		/* Channel IDs are never reused while the device is up. */
		if (sk->next_cid >= CTAPHID_BROADCAST - 1)
			return send_error(sk, m->cid, CTAPHID_ERR_OTHER);
		cid = sk->next_cid++;
	}
	memcpy(out, m->data, 8);
	out[8] = (uint8_t)(cid >> 24);
	out[9] = (uint8_t)(cid >> 16);
	out[10] = (uint8_t)(cid >> 8);
	out[11] = (uint8_t)cid;
	out[12] = 2; /* CTAPHID protocol version */
	out[13] = VERSION_MAJOR;
	out[14] = VERSION_MINOR;
	out[15] = VERSION_BUILD;
	out[16] = CTAPHID_CAP_WINK;
	if (!sk->cfg.u2f_only)
		out[16] |= CTAPHID_CAP_CBOR;
	return ctaphid_tx(m->cid, CTAPHID_INIT, out, sizeof(out), sk->send, sk->io);
}

static int handle_msg(struct softkey *sk, const struct ctaphid_msg *m)
{
	size_t n;
	int r;

	if (m->cmd == CTAPHID_CBOR) {
		if (sk->cfg.u2f_only)
			return send_error(sk, m->cid, CTAPHID_ERR_INVALID_CMD);
		if (m->len < 1)
			return send_error(sk, m->cid, CTAPHID_ERR_INVALID_LEN);
	}
	sk->busy = true;
	sk->busy_cid = m->cid;
	sk->cancelled = false;
	if (m->cmd == CTAPHID_CBOR)
		n = ctap2_handle(sk, m->data, m->len);
	else
		n = u2f_handle(sk, m->data, m->len);
	r = ctaphid_tx(m->cid, m->cmd, sk->resp, n, sk->send, sk->io);
	sk->busy = false;
	return r;
}

static int dispatch(struct softkey *sk, const struct ctaphid_msg *m)
{
	switch (m->cmd) {
	case CTAPHID_INIT:
		return handle_init(sk, m);
	case CTAPHID_PING:
		return ctaphid_tx(m->cid, CTAPHID_PING, m->data, m->len, sk->send, sk->io);
	case CTAPHID_WINK:
		return ctaphid_tx(m->cid, CTAPHID_WINK, NULL, 0, sk->send, sk->io);
	case CTAPHID_CANCEL:
		/* Nothing to cancel outside a transaction; no reply by design. */
		return 0;
	case CTAPHID_MSG:
	case CTAPHID_CBOR:
		return handle_msg(sk, m);
	default:
		return send_error(sk, m->cid, CTAPHID_ERR_INVALID_CMD);
	}
}

/* While a request waits for a touch: CANCEL on its channel ends the wait,
 * INIT works anywhere, everything else is told the device is busy. */
static int frame_while_busy(struct softkey *sk, const uint8_t *report)
{
	uint32_t cid = ctaphid_get_cid(report);
	uint8_t cmd = report[4];
	struct ctaphid_msg m;

	if (!(cmd & 0x80))
		return 0;
	if (cmd == CTAPHID_CANCEL && cid == sk->busy_cid) {
		sk->cancelled = true;
		return 0;
	}
	if (cmd == CTAPHID_INIT && cid != 0) {
		m.cid = cid;
		m.cmd = cmd;
		m.len = (uint16_t)(report[5] << 8 | report[6]);
		m.data = report + 7;
		if (cid == sk->busy_cid)
			sk->cancelled = true;
		if (cid == CTAPHID_BROADCAST || cid_allocated(sk, cid))
			return handle_init(sk, &m);
	}
	return send_error(sk, cid, CTAPHID_ERR_CHANNEL_BUSY);
}

int softkey_frame(struct softkey *sk, const uint8_t *report, int64_t now_ms)
{
	uint32_t cid = ctaphid_get_cid(report);
	uint8_t cmd = report[4];
	struct ctaphid_msg m;

	if (sk->busy)
		return frame_while_busy(sk, report);
	if (cmd & 0x80) {
		if (cid == 0 || (cid == CTAPHID_BROADCAST && cmd != CTAPHID_INIT) ||
		    (cid != CTAPHID_BROADCAST && !cid_allocated(sk, cid)))
			return send_error(sk, cid, CTAPHID_ERR_INVALID_CHANNEL);
	}
	switch (ctaphid_rx_feed(&sk->rx, report, now_ms, &m)) {
	case CTAPHID_RX_DONE:
		return dispatch(sk, &m);
	case CTAPHID_RX_ERROR:
		return send_error(sk, m.cid, m.error);
	default:
		return 0;
	}
}

int softkey_tick(struct softkey *sk, int64_t now_ms)
{
	struct ctaphid_msg m;

	if (ctaphid_rx_expire(&sk->rx, now_ms, &m) == CTAPHID_RX_ERROR)
		send_error(sk, m.cid, m.error);
	return ctaphid_rx_wait_ms(&sk->rx, now_ms);
}

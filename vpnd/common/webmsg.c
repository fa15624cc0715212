/* SPDX-License-Identifier: ISC */
/* The web page's monitor <-> child messages (webmsg.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "common/actmsg.h"
#include "common/webmsg.h"
#include "common/wire.h"

/* An enrollment code's characters: base64url. */
static bool code_valid(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

int webmsg_encode_req(uint8_t *buf, size_t *len, const struct webmsg_req *m)
{
	struct wire_wr w = {.p = buf, .cap = WEBMSG_MAX};

	if (m->call < 1 || m->call > WEBMSG_CALL_MAX || m->n_devices > WEBMSG_DEVICES_MAX)
		return -EINVAL;
	wire_put_u8(&w, ACTMSG_WEB_REQ);
	wire_put_u32(&w, m->seq);
	wire_put_u8(&w, m->call);
	wire_put(&w, m->src, sizeof(m->src));
	wire_put_str_long(&w, m->owner, NAME_MAX_LEN);
	wire_put_str_long(&w, m->code, ENROLLCODE_STR_LEN);
	wire_put_u8(&w, m->has_grant);
	if (m->has_grant)
		wire_put(&w, m->grant, WEBMSG_GRANT_LEN);
	wire_put_u8(&w, m->n_devices);
	for (uint8_t i = 0; i < m->n_devices; i++)
		wire_put_str_long(&w, m->devices[i], NAME_MAX_LEN);
	wire_put_long(&w, m->cred_id, m->cred_id_len, WEBMSG_CREDID_MAX);
	wire_put_long(&w, m->client_data, m->client_data_len, WEBMSG_CLIENTDATA_MAX);
	wire_put_long(&w, m->auth_data, m->auth_data_len, WEBMSG_AUTHDATA_MAX);
	wire_put_long(&w, m->sig, m->sig_len, WEBMSG_SIG_MAX);
	wire_put_long(&w, m->attestation, m->attestation_len, WEBMSG_ATTEST_MAX);
	return wire_wr_end(&w, len);
}

int webmsg_decode_req(struct webmsg_req *m, const uint8_t *msg, size_t len)
{
	struct wire_rd r = {.p = msg, .len = len};

	memset(m, 0, sizeof(*m));
	if (wire_get_u8(&r) != ACTMSG_WEB_REQ)
		goto bad;
	m->seq = wire_get_u32(&r);
	m->call = wire_get_u8(&r);
	if (m->call < 1 || m->call > WEBMSG_CALL_MAX)
		goto bad;
	{
		const uint8_t *src = wire_get(&r, sizeof(m->src));

		if (src != NULL)
			memcpy(m->src, src, sizeof(m->src));
	}
	wire_get_str_long(&r, m->owner, NAME_MAX_LEN, text_valid_name);
	wire_get_str_long(&r, m->code, ENROLLCODE_STR_LEN, code_valid);
	{
		uint8_t g = wire_get_u8(&r);

		if (g > 1)
			goto bad;
		m->has_grant = g == 1;
	}
	if (m->has_grant) {
		const uint8_t *g = wire_get(&r, WEBMSG_GRANT_LEN);

		if (g != NULL)
			memcpy(m->grant, g, WEBMSG_GRANT_LEN);
	}
	m->n_devices = wire_get_u8(&r);
	if (m->n_devices > WEBMSG_DEVICES_MAX)
		goto bad;
	for (uint8_t i = 0; i < m->n_devices; i++) {
		wire_get_str_long(&r, m->devices[i], NAME_MAX_LEN, text_valid_name);
		if (m->devices[i][0] == '\0')
			goto bad;
	}
	wire_get_long(&r, m->cred_id, &m->cred_id_len, WEBMSG_CREDID_MAX);
	wire_get_long(&r, m->client_data, &m->client_data_len, WEBMSG_CLIENTDATA_MAX);
	wire_get_long(&r, m->auth_data, &m->auth_data_len, WEBMSG_AUTHDATA_MAX);
	wire_get_long(&r, m->sig, &m->sig_len, WEBMSG_SIG_MAX);
	wire_get_long(&r, m->attestation, &m->attestation_len, WEBMSG_ATTEST_MAX);
	if (!wire_rd_done(&r))
		goto bad;
	return 0;
bad:
	sodium_memzero(m, sizeof(*m));
	return -EBADMSG;
}

int webmsg_encode_result(uint8_t *buf, size_t *len, const struct webmsg_result *m)
{
	struct wire_wr w = {.p = buf, .cap = WEBMSG_MAX};

	wire_put_u8(&w, ACTMSG_WEB_RESULT);
	wire_put_u32(&w, m->seq);
	wire_put_u32(&w, m->status);
	wire_put_long(&w, (const uint8_t *)m->body, m->body_len, WEBMSG_BODY_MAX);
	return wire_wr_end(&w, len);
}

int webmsg_decode_result(struct webmsg_result *m, const uint8_t *msg, size_t len)
{
	struct wire_rd r = {.p = msg, .len = len};
	uint32_t status;

	memset(m, 0, sizeof(*m));
	if (wire_get_u8(&r) != ACTMSG_WEB_RESULT)
		goto bad;
	m->seq = wire_get_u32(&r);
	status = wire_get_u32(&r);
	if (status < 100 || status > 599)
		goto bad;
	m->status = (uint16_t)status;
	wire_get_long(&r, (uint8_t *)m->body, &m->body_len, WEBMSG_BODY_MAX);
	if (!wire_rd_done(&r) || memchr(m->body, '\0', m->body_len) != NULL)
		goto bad;
	m->body[m->body_len] = '\0';
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -EBADMSG;
}

int webmsg_encode_conf(uint8_t *buf, size_t *len, const struct webmsg_conf *m)
{
	struct wire_wr w = {.p = buf, .cap = WEBMSG_CONF_MAX};

	if (m->n_proxies > WEBMSG_PROXIES_MAX || (m->cert == NULL) != (m->key == NULL))
		return -EINVAL;
	wire_put_u8(&w, ACTMSG_WEB_CONF);
	wire_put_long(&w, m->cert, m->cert != NULL ? m->cert_len : 0, WEBMSG_PEM_MAX);
	wire_put_long(&w, m->key, m->key != NULL ? m->key_len : 0, WEBMSG_PEM_MAX);
	wire_put_u8(&w, m->n_proxies);
	for (uint8_t i = 0; i < m->n_proxies; i++) {
		wire_put_u8(&w, (uint8_t)m->proxies[i].family);
		wire_put(&w, m->proxies[i].bytes, 16);
	}
	return wire_wr_end(&w, len);
}

int webmsg_decode_conf(struct webmsg_conf *m, const uint8_t *msg, size_t len)
{
	struct wire_rd r = {.p = msg, .len = len};

	memset(m, 0, sizeof(*m));
	if (wire_get_u8(&r) != ACTMSG_WEB_CONF)
		goto bad;
	m->cert = wire_get_long_ref(&r, &m->cert_len, WEBMSG_PEM_MAX);
	m->key = wire_get_long_ref(&r, &m->key_len, WEBMSG_PEM_MAX);
	if ((m->cert_len == 0) != (m->key_len == 0))
		goto bad;
	if (m->cert_len == 0)
		m->cert = m->key = NULL;
	m->n_proxies = wire_get_u8(&r);
	if (m->n_proxies > WEBMSG_PROXIES_MAX)
		goto bad;
	for (uint8_t i = 0; i < m->n_proxies; i++) {
		const uint8_t *a;

		m->proxies[i].family = wire_get_u8(&r);
		if (m->proxies[i].family != AF_INET && m->proxies[i].family != AF_INET6)
			goto bad;
		if ((a = wire_get(&r, 16)) != NULL)
			memcpy(m->proxies[i].bytes, a, 16);
		m->proxies[i].prefix = m->proxies[i].family == AF_INET ? 32 : 128;
	}
	if (!wire_rd_done(&r))
		goto bad;
	return 0;
bad:
	memset(m, 0, sizeof(*m));
	return -EBADMSG;
}

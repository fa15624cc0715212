/* SPDX-License-Identifier: ISC */
/* The web page's API bodies (webreq.h). */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "netchild/webreq.h"

int webreq_call(const char *path)
{
	static const struct {
		const char *path;
		enum webmsg_call call;
	} calls[] = {
		{"/api/challenge", WEBMSG_CHALLENGE},
		{"/api/activate", WEBMSG_ACTIVATE},
		{"/api/open", WEBMSG_OPEN},
		{"/api/end", WEBMSG_END},
		{"/api/devices", WEBMSG_DEVICES},
		{"/api/register-challenge", WEBMSG_REG_CHALLENGE},
		{"/api/register", WEBMSG_REGISTER},
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(path, calls[i].path) == 0)
			return (int)calls[i].call;
	return 0;
}

static int text(char *out, size_t cap, struct json_object *v)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	n = (size_t)json_object_get_string_len(v);
	if (n >= cap || memchr(json_object_get_string(v), '\0', n) != NULL)
		return -EBADMSG;
	memcpy(out, json_object_get_string(v), n + 1);
	return 0;
}

static int b64(uint8_t *out, size_t *len, size_t cap, struct json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	s = json_object_get_string(v);
	if (sodium_base642bin(out, cap, s, (size_t)json_object_get_string_len(v), NULL, len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -EBADMSG;
	return 0;
}

static int devices(struct webmsg_req *q, struct json_object *v)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return -EBADMSG;
	n = json_object_array_length(v);
	if (n > WEBMSG_DEVICES_MAX)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if (text(q->devices[i], sizeof(q->devices[i]), json_object_array_get_idx(v, i)) <
			    0 ||
		    q->devices[i][0] == '\0')
			return -EBADMSG;
	q->n_devices = (uint8_t)n;
	return 0;
}

static int field(struct webmsg_req *q, const char *k, struct json_object *v)
{
	size_t n = 0;

	if (strcmp(k, "owner") == 0)
		return text(q->owner, sizeof(q->owner), v);
	if (strcmp(k, "code") == 0)
		return text(q->code, sizeof(q->code), v);
	if (strcmp(k, "devices") == 0)
		return devices(q, v);
	if (strcmp(k, "grant") == 0) {
		if (b64(q->grant, &n, sizeof(q->grant), v) < 0 || n != sizeof(q->grant))
			return -EBADMSG;
		q->has_grant = true;
		return 0;
	}
	if (strcmp(k, "id") == 0)
		return b64(q->cred_id, &q->cred_id_len, sizeof(q->cred_id), v);
	if (strcmp(k, "clientDataJSON") == 0)
		return b64(q->client_data, &q->client_data_len, sizeof(q->client_data), v);
	if (strcmp(k, "authenticatorData") == 0)
		return b64(q->auth_data, &q->auth_data_len, sizeof(q->auth_data), v);
	if (strcmp(k, "signature") == 0)
		return b64(q->sig, &q->sig_len, sizeof(q->sig), v);
	if (strcmp(k, "attestationObject") == 0)
		return b64(q->attestation, &q->attestation_len, sizeof(q->attestation), v);
	return -EBADMSG;
}

int webreq_parse(struct webmsg_req *q, const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	int ret = -EBADMSG;

	if (len == 0 || len > WEBREQ_BODY_MAX || memchr(body, '\0', len) != NULL)
		return -EBADMSG;
	tok = json_tokener_new_ex(3);
	if (tok == NULL)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))
		goto out;
	ret = 0;
	json_object_object_foreach(o, k, v)
	{
		if (ret == 0 && field(q, k, v) < 0)
			ret = -EBADMSG;
	}
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

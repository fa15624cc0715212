/* SPDX-License-Identifier: ISC */
/*
 * The security key through libfido2: a credential for the gateway's rp ID
 * and assertions over the protocol's clientDataHash. What the key says
 * becomes the protocol's client-side codes so that enroll explains it in
 * one line.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <fido.h>
#include <sodium.h>

#include "fido/fidodev.h"
#include "seckey.h"

int seckey_open(struct seckey *k, const char *spec, char err[ERR_LEN])
{
	return seckey_open_other(k, spec, NULL, err);
}

int seckey_open_other(struct seckey *k, const char *spec, const char *skip, char err[ERR_LEN])
{
	fido_dev_t *dev = NULL;
	int ret;

	memset(k, 0, sizeof(*k));
	k->retries = -1;
	ret = fidodev_open_other(&dev, spec, skip, err);
	if (ret < 0)
		return ret;
	k->dev = dev;
	if (spec != NULL && strncmp(spec, "/dev/", 5) == 0)
		snprintf(k->path, sizeof(k->path), "%s", spec);
	k->fido2 = fido_dev_is_fido2(dev);
	k->has_pin = k->fido2 && fido_dev_has_pin(dev);
	return 0;
}

void seckey_close(struct seckey *k)
{
	fido_dev_t *dev = k->dev;

	fidodev_close(&dev);
	k->dev = NULL;
}

bool seckey_wants_pin(const struct seckey *k)
{
	return k->has_pin;
}

void seckey_prompt(const struct seckey *k, const char *what)
{
	if (k->label[0] != '\0')
		printf("Touch %s: %s.\n", what, k->label);
	else
		printf("Touch %s.\n", what);
	fflush(stdout);
}

/*
 * Was the key pulled out? Its node goes a moment after the reads fail
 * (the kernel wakes readers before it removes the node), so after an I/O
 * error wait a little for that.
 */
static bool gone(const struct seckey *k, int r)
{
	bool io = r == FIDO_ERR_RX || r == FIDO_ERR_TX || r == FIDO_ERR_RX_NOT_CBOR ||
		  r == FIDO_ERR_RX_INVALID_CBOR || r == FIDO_ERR_INTERNAL;
	struct timespec step = {.tv_nsec = 20 * 1000 * 1000};

	if (k->path[0] == '\0')
		return false;
	for (int i = 0; i < (io ? 25 : 1); i++) {
		if (access(k->path, F_OK) != 0)
			return true;
		if (io)
			nanosleep(&step, NULL);
	}
	return false;
}

static int map_error(struct seckey *k, int r)
{
	/* Whatever libfido2 calls it (a read or write error, mostly), a key
	 * whose node is gone was pulled out. */
	if (gone(k, r)) {
		k->removed = true;
		return PROTO_ERR_NO_DEVICE;
	}
	switch (r) {
	case FIDO_ERR_PIN_INVALID:
		if (fido_dev_get_retry_count(k->dev, &k->retries) != FIDO_OK)
			k->retries = -1;
		return PROTO_ERR_WRONG_PIN;
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		return PROTO_ERR_PIN_BLOCKED;
	case FIDO_ERR_NO_CREDENTIALS:
		return PROTO_ERR_CREDENTIAL_UNKNOWN;
	case FIDO_ERR_PIN_REQUIRED:
	case FIDO_ERR_UV_INVALID:
		return PROTO_ERR_UV_REQUIRED;
	default:
		/* Timeouts, a refused touch (softkey --presence no says
		 * OPERATION_DENIED), a key pulled out: no touch. */
		return PROTO_ERR_NO_TOUCH;
	}
}

/* One makeCredential with one algorithm; a FIDO_ERR_* code. */
static int make_one(struct seckey *k, const char *pin, const char *rp_id, const char *user,
		    const uint8_t cdh[32], int type, fido_cred_t **out)
{
	uint8_t user_id[16];
	fido_cred_t *c = fido_cred_new();
	int r;

	*out = NULL;
	if (c == NULL)
		return FIDO_ERR_INTERNAL;
	randombytes_buf(user_id, sizeof(user_id));
	if ((r = fido_cred_set_type(c, type)) != FIDO_OK ||
	    (r = fido_cred_set_clientdata_hash(c, cdh, 32)) != FIDO_OK ||
	    (r = fido_cred_set_rp(c, rp_id, "keygate")) != FIDO_OK ||
	    (r = fido_cred_set_user(c, user_id, sizeof(user_id), user, NULL, NULL)) != FIDO_OK ||
	    (r = fido_dev_make_cred(k->dev, c, pin)) != FIDO_OK) {
		fido_cred_free(&c);
		return r;
	}
	*out = c;
	return FIDO_OK;
}

int seckey_make_cred(struct seckey *k, const char *pin, const char *rp_id, const char *user,
		     const uint8_t cdh[32], struct proto_cred *out)
{
	fido_cred_t *c = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	/* ES256 first (every FIDO2 and U2F key has it), EdDSA for a key
	 * that has only that. */
	r = make_one(k, pin, rp_id, user, cdh, COSE_ES256, &c);
	if (r == FIDO_ERR_UNSUPPORTED_ALGORITHM)
		r = make_one(k, pin, rp_id, user, cdh, COSE_EDDSA, &c);
	if (r != FIDO_OK)
		return r == FIDO_ERR_INTERNAL && !gone(k, r) ? PROTO_ERR_NO_DEVICE
							     : map_error(k, r);
	out->alg = fido_cred_type(c) == COSE_EDDSA ? PROTO_COSE_EDDSA : PROTO_COSE_ES256;
	if (fido_cred_id_len(c) < 1 || fido_cred_id_len(c) > PROTO_CRED_ID_MAX ||
	    fido_cred_pubkey_len(c) != (out->alg == PROTO_COSE_ES256 ? 64U : 32U)) {
		fido_cred_free(&c);
		return PROTO_ERR_NO_DEVICE;
	}
	out->id_len = fido_cred_id_len(c);
	memcpy(out->id, fido_cred_id_ptr(c), out->id_len);
	out->pk_len = fido_cred_pubkey_len(c);
	memcpy(out->pk, fido_cred_pubkey_ptr(c), out->pk_len);
	out->sign_count = fido_cred_sigcount(c);
	out->uv = (fido_cred_flags(c) & 0x04) != 0;
	fido_cred_free(&c);
	return PROTO_OK;
}

/* libfido2 1.12 hands out the authenticator data as a CBOR byte string;
 * the protocol carries the raw bytes. 0 or -EBADMSG. */
static int authdata_raw(const uint8_t *cbor, size_t len, const uint8_t **raw, size_t *rlen)
{
	size_t hdr, n;

	if (len < 1 || (cbor[0] >> 5) != 2)
		return -EBADMSG;
	if ((cbor[0] & 0x1f) < 24) {
		hdr = 1;
		n = cbor[0] & 0x1f;
	} else if ((cbor[0] & 0x1f) == 24 && len >= 2) {
		hdr = 2;
		n = cbor[1];
	} else if ((cbor[0] & 0x1f) == 25 && len >= 3) {
		hdr = 3;
		n = (size_t)cbor[1] << 8 | cbor[2];
	} else {
		return -EBADMSG;
	}
	if (hdr + n != len)
		return -EBADMSG;
	*raw = cbor + hdr;
	*rlen = n;
	return 0;
}

int seckey_get_assertion(struct seckey *k, const char *pin, const char *rp_id,
			 const struct enroll_cred *creds, size_t n, const uint8_t cdh[32],
			 struct proto_assertion *out)
{
	fido_assert_t *a = fido_assert_new();
	const uint8_t *raw = NULL;
	size_t rlen = 0;
	int r = FIDO_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	if (a == NULL)
		return PROTO_ERR_NO_DEVICE;
	if (fido_assert_set_clientdata_hash(a, cdh, 32) != FIDO_OK ||
	    fido_assert_set_rp(a, rp_id) != FIDO_OK)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (fido_assert_allow_cred(a, creds[i].id, creds[i].id_len) != FIDO_OK)
			goto fail;
	/* Ask for user presence always; UV follows from the PIN given. */
	if (fido_assert_set_up(a, FIDO_OPT_TRUE) != FIDO_OK)
		goto fail;
	r = fido_dev_get_assert(k->dev, a, pin);
	if (r != FIDO_OK)
		goto fail;
	if (fido_assert_count(a) != 1 || fido_assert_id_len(a, 0) > PROTO_CRED_ID_MAX ||
	    authdata_raw(fido_assert_authdata_ptr(a, 0), fido_assert_authdata_len(a, 0), &raw,
			 &rlen) < 0 ||
	    rlen < PROTO_AUTHDATA_MIN || rlen > PROTO_AUTHDATA_MAX ||
	    fido_assert_sig_len(a, 0) > PROTO_SIG_MAX) {
		r = FIDO_ERR_INTERNAL;
		goto fail;
	}
	/* A single allowed credential may come back without its ID. */
	if (fido_assert_id_len(a, 0) > 0) {
		out->cred_id_len = fido_assert_id_len(a, 0);
		memcpy(out->cred_id, fido_assert_id_ptr(a, 0), out->cred_id_len);
	} else {
		out->cred_id_len = creds[0].id_len;
		memcpy(out->cred_id, creds[0].id, creds[0].id_len);
	}
	out->auth_data_len = rlen;
	memcpy(out->auth_data, raw, rlen);
	out->sig_len = fido_assert_sig_len(a, 0);
	memcpy(out->sig, fido_assert_sig_ptr(a, 0), out->sig_len);
	fido_assert_free(&a);
	return PROTO_OK;
fail:
	fido_assert_free(&a);
	return r == FIDO_ERR_INTERNAL && !gone(k, r) ? PROTO_ERR_NO_DEVICE : map_error(k, r);
}

/* SPDX-License-Identifier: ISC */
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include "assertion.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40
#define FLAG_ED 0x80

uint32_t assertion_sign_count(const uint8_t *auth_data, size_t len)
{
	if (len < 37)
		return 0;
	return (uint32_t)auth_data[33] << 24 | (uint32_t)auth_data[34] << 16 |
	       (uint32_t)auth_data[35] << 8 | auth_data[36];
}

static int verify_sig(const struct assertion_key *key, const char *rp_id, const uint8_t cdh[32],
		      const struct proto_assertion *a)
{
	fido_assert_t *fa = NULL;
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	int r = -1;

	fa = fido_assert_new();
	if (fa == NULL)
		goto fail;
	/* UP and UV are checked by the caller, after the signature. */
	if (fido_assert_set_rp(fa, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(fa, cdh, 32) != FIDO_OK ||
	    fido_assert_set_count(fa, 1) != FIDO_OK ||
	    fido_assert_set_authdata_raw(fa, 0, a->auth_data, a->auth_data_len) != FIDO_OK ||
	    fido_assert_set_sig(fa, 0, a->sig, a->sig_len) != FIDO_OK ||
	    fido_assert_set_up(fa, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_assert_set_uv(fa, FIDO_OPT_OMIT) != FIDO_OK)
		goto fail;
	if (key->alg == PROTO_COSE_ES256 && key->pk_len == 64) {
		if ((es = es256_pk_new()) == NULL ||
		    es256_pk_from_ptr(es, key->pk, key->pk_len) != FIDO_OK)
			goto fail;
		r = fido_assert_verify(fa, 0, COSE_ES256, es) == FIDO_OK ? 0 : -1;
	} else if (key->alg == PROTO_COSE_EDDSA && key->pk_len == 32) {
		if ((ed = eddsa_pk_new()) == NULL ||
		    eddsa_pk_from_ptr(ed, key->pk, key->pk_len) != FIDO_OK)
			goto fail;
		r = fido_assert_verify(fa, 0, COSE_EDDSA, ed) == FIDO_OK ? 0 : -1;
	}
fail:
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	fido_assert_free(&fa);
	return r;
}

enum proto_err assertion_verify(const struct assertion_key *key,
				const struct assertion_policy *policy, const uint8_t cdh[32],
				const struct proto_assertion *a, uint32_t *new_count)
{
	uint8_t flags;
	uint32_t count;

	/* We ask for no extensions, so an assertion's authenticator data is
	 * rpIdHash, flags and counter: 37 bytes. */
	if (a->auth_data_len != 37 || a->sig_len < PROTO_SIG_MIN || a->sig_len > PROTO_SIG_MAX)
		return PROTO_ERR_BAD_SIGNATURE;
	flags = a->auth_data[32];
	if ((flags & (FLAG_AT | FLAG_ED)) != 0)
		return PROTO_ERR_BAD_SIGNATURE;
	if (verify_sig(key, policy->rp_id, cdh, a) < 0)
		return PROTO_ERR_BAD_SIGNATURE;
	if ((flags & FLAG_UP) == 0)
		return PROTO_ERR_NO_PRESENCE;
	if (policy->require_uv && (flags & FLAG_UV) == 0)
		return PROTO_ERR_UV_REQUIRED;
	count = assertion_sign_count(a->auth_data, a->auth_data_len);
	/* Zero both times: a key without a counter. Otherwise it must grow; a
	 * clone and its original cannot both keep it growing. */
	if ((count != 0 || policy->stored_count != 0) && count <= policy->stored_count)
		return PROTO_ERR_COUNTER_REGRESSED;
	*new_count = count;
	return PROTO_OK;
}

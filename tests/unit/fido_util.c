/* SPDX-License-Identifier: ISC */
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <sodium.h>

#include "fido_util.h"

int fu_make_cred(fido_dev_t *dev, int type, const char *rp, const char *pin, fido_cred_t **out)
{
	static const unsigned char user_id[8] = "alice-01";
	unsigned char cdh[32];
	fido_cred_t *c;
	int r;

	*out = NULL;
	randombytes_buf(cdh, sizeof(cdh));
	if ((c = fido_cred_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = fido_cred_set_type(c, type)) != FIDO_OK ||
	    (r = fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh))) != FIDO_OK ||
	    (r = fido_cred_set_rp(c, rp, "keygate test")) != FIDO_OK ||
	    (r = fido_cred_set_user(c, user_id, sizeof(user_id), "alice", "Alice", NULL)) !=
		    FIDO_OK ||
	    (r = fido_dev_make_cred(dev, c, pin)) != FIDO_OK) {
		fido_cred_free(&c);
		return r;
	}
	*out = c;
	return FIDO_OK;
}

int fu_get_assert(fido_dev_t *dev, const fido_cred_t *cred, const char *rp, const char *pin,
		  fido_assert_t **out)
{
	unsigned char cdh[32];
	fido_assert_t *a;
	int r;

	*out = NULL;
	randombytes_buf(cdh, sizeof(cdh));
	if ((a = fido_assert_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh))) != FIDO_OK ||
	    (r = fido_assert_set_rp(a, rp)) != FIDO_OK ||
	    (r = fido_assert_allow_cred(a, fido_cred_id_ptr(cred), fido_cred_id_len(cred))) !=
		    FIDO_OK ||
	    (r = fido_dev_get_assert(dev, a, pin)) != FIDO_OK) {
		fido_assert_free(&a);
		return r;
	}
	*out = a;
	return FIDO_OK;
}

int fu_verify_assert(const fido_assert_t *a, const fido_cred_t *cred, const char *rp, bool uv)
{
	int type = fido_cred_type(cred);
	fido_assert_t *v = NULL;
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	const void *pk;
	int r = FIDO_ERR_INTERNAL;

	if ((v = fido_assert_new()) == NULL)
		return FIDO_ERR_INTERNAL;
	if (type == COSE_ES256) {
		if ((es = es256_pk_new()) == NULL ||
		    (r = es256_pk_from_ptr(es, fido_cred_pubkey_ptr(cred),
					   fido_cred_pubkey_len(cred))) != FIDO_OK)
			goto fail;
		pk = es;
	} else {
		if ((ed = eddsa_pk_new()) == NULL ||
		    (r = eddsa_pk_from_ptr(ed, fido_cred_pubkey_ptr(cred),
					   fido_cred_pubkey_len(cred))) != FIDO_OK)
			goto fail;
		pk = ed;
	}
	if ((r = fido_assert_set_clientdata_hash(v, fido_assert_clientdata_hash_ptr(a),
						 fido_assert_clientdata_hash_len(a))) != FIDO_OK ||
	    (r = fido_assert_set_rp(v, rp)) != FIDO_OK ||
	    (r = fido_assert_set_count(v, 1)) != FIDO_OK ||
	    (r = fido_assert_set_authdata(v, 0, fido_assert_authdata_ptr(a, 0),
					  fido_assert_authdata_len(a, 0))) != FIDO_OK ||
	    (r = fido_assert_set_sig(v, 0, fido_assert_sig_ptr(a, 0), fido_assert_sig_len(a, 0))) !=
		    FIDO_OK ||
	    (r = fido_assert_set_up(v, FIDO_OPT_TRUE)) != FIDO_OK ||
	    (uv && (r = fido_assert_set_uv(v, FIDO_OPT_TRUE)) != FIDO_OK))
		goto fail;
	r = fido_assert_verify(v, 0, type, pk);
fail:
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	fido_assert_free(&v);
	return r;
}

/* SPDX-License-Identifier: ISC */
/*
 * The client and server halves of a FIDO2 exchange, as keygate's tools
 * will do them, through the stock libfido2 API. Each returns a FIDO_ERR_*
 * code.
 */
#ifndef KEYGATE_TEST_FIDO_UTIL_H
#define KEYGATE_TEST_FIDO_UTIL_H

#include <stdbool.h>

#include <fido.h>

#define TEST_RP "keygate.test"

int fu_make_cred(fido_dev_t *dev, int type, const char *rp, const char *pin, fido_cred_t **out);
int fu_get_assert(fido_dev_t *dev, const fido_cred_t *cred, const char *rp, const char *pin,
		  fido_assert_t **out);
/* Verifies assertion a as a server would: a fresh object, UP required, UV
 * required when uv is true, against cred's public key. */
int fu_verify_assert(const fido_assert_t *a, const fido_cred_t *cred, const char *rp, bool uv);

#endif

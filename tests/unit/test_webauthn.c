/* SPDX-License-Identifier: ISC */
/*
 * The monitor's WebAuthn checks (vpnd/monitor/webauthn.c): stateless
 * challenges bound to purpose, target, origin and time; clientDataJSON
 * type, challenge, origin, crossOrigin and topOrigin; attestation objects
 * from softkey's real credentials (packed, ES256 and EdDSA), as "none", for
 * another rp ID, with a broken signature, and malformed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cbor.h>
#include <cmocka.h>
#include <sodium.h>

#include "base/text.h"
#include "fido/fidodev.h"
#include "fido_util.h"
#include "monitor/webauthn.h"
#include "softkey_proc.h"

#define ORIGIN "https://gw.example.test:8443"

static struct softkey_proc sp;
static uint8_t secret[WEBAUTHN_SECRET_LEN];

static int setup(void **state)
{
	randombytes_buf(secret, sizeof(secret));
	return softkey_proc_mkdir(&sp) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	softkey_proc_cleanup(&sp);
	return 0;
}

static void test_challenge(void **state)
{
	uint8_t ch[WEBAUTHN_CHALLENGE_LEN], ch2[WEBAUTHN_CHALLENGE_LEN], other[32];
	uint64_t made = 0;

	webauthn_challenge_make(secret, ch, WEBAUTHN_ACTIVATE, "alice", ORIGIN, 1000);
	webauthn_challenge_make(secret, ch2, WEBAUTHN_ACTIVATE, "alice", ORIGIN, 1000);
	/* Two of the same second differ, so each can be spent on its own. */
	assert_memory_not_equal(ch, ch2, sizeof(ch));
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_ACTIVATE, "alice", ORIGIN,
						  1010, 120, &made),
			 PROTO_OK);
	assert_int_equal(made, 1000);
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_GRANT, "alice", ORIGIN, 1010,
						  120, &made),
			 PROTO_ERR_CHALLENGE_BAD);
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_ACTIVATE, "bob", ORIGIN,
						  1010, 120, &made),
			 PROTO_ERR_CHALLENGE_BAD);
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_ACTIVATE, "alice",
						  "https://evil.test", 1010, 120, &made),
			 PROTO_ERR_CHALLENGE_BAD);
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_ACTIVATE, "alice", ORIGIN,
						  1121, 120, &made),
			 PROTO_ERR_CHALLENGE_EXPIRED);
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_ACTIVATE, "alice", ORIGIN,
						  999, 120, &made),
			 PROTO_ERR_CLOCK_SKEW);
	randombytes_buf(other, sizeof(other));
	assert_int_equal(webauthn_challenge_check(other, ch, WEBAUTHN_ACTIVATE, "alice", ORIGIN,
						  1010, 120, &made),
			 PROTO_ERR_CHALLENGE_BAD);
	ch[20] ^= 1;
	assert_int_equal(webauthn_challenge_check(secret, ch, WEBAUTHN_ACTIVATE, "alice", ORIGIN,
						  1010, 120, &made),
			 PROTO_ERR_CHALLENGE_BAD);
}

/* clientDataJSON as an object, or (array) the same values in an array. */
static enum proto_err cd(bool array, const char *type, const char *challenge, const char *origin,
			 const char *tail, uint8_t ch[32])
{
	char json[1200];

	if (array)
		snprintf(json, sizeof(json), "[\"%s\",\"%s\",\"%s\"%s]", type, challenge, origin,
			 tail);
	else
		snprintf(json, sizeof(json),
			 "{\"type\":\"%s\",\"challenge\":\"%s\",\"origin\":\"%s\"%s}", type,
			 challenge, origin, tail);
	return webauthn_client_data((const uint8_t *)json, strlen(json), "webauthn.get", ORIGIN,
				    ch);
}

static void test_client_data(void **state)
{
	const bool fmt = false;
	uint8_t want[32], ch[32];
	char b64[64];

	randombytes_buf(want, sizeof(want));
	sodium_bin2base64(b64, sizeof(b64), want, sizeof(want),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	assert_int_equal(cd(fmt, "webauthn.get", b64, ORIGIN, ",\"crossOrigin\":false", ch),
			 PROTO_OK);
	assert_memory_equal(ch, want, 32);
	/* Chrome's own, with a field we do not know: fine. */
	assert_int_equal(cd(fmt, "webauthn.get", b64, ORIGIN,
			    ",\"crossOrigin\":false,\"other_keys_can_be_added_here\":\"x\"", ch),
			 PROTO_OK);
	assert_int_equal(cd(fmt, "webauthn.get", b64, ORIGIN, "", ch), PROTO_OK);
	assert_int_equal(cd(fmt, "webauthn.create", b64, ORIGIN, "", ch), PROTO_ERR_BAD_REQUEST);
	assert_int_equal(cd(fmt, "webauthn.get", b64, "https://gw.example.test", "", ch),
			 PROTO_ERR_WRONG_TARGET);
	assert_int_equal(cd(fmt, "webauthn.get", b64, "https://www.gw.example.test:8443", "", ch),
			 PROTO_ERR_WRONG_TARGET);
	assert_int_equal(cd(fmt, "webauthn.get", b64, ORIGIN, ",\"crossOrigin\":true", ch),
			 PROTO_ERR_WRONG_TARGET);
	assert_int_equal(cd(fmt, "webauthn.get", b64, ORIGIN, ",\"crossOrigin\":\"false\"", ch),
			 PROTO_ERR_WRONG_TARGET);
	assert_int_equal(
		cd(fmt, "webauthn.get", b64, ORIGIN, ",\"topOrigin\":\"https://evil.test\"", ch),
		PROTO_ERR_WRONG_TARGET);
	assert_int_equal(cd(fmt, "webauthn.get", "AAAA", ORIGIN, "", ch), PROTO_ERR_BAD_REQUEST);
	assert_int_equal(cd(fmt, "webauthn.get", "!!!", ORIGIN, "", ch), PROTO_ERR_BAD_REQUEST);
	assert_int_equal(cd(true, "webauthn.get", b64, ORIGIN, "", ch), PROTO_ERR_BAD_REQUEST);
	assert_int_equal(cd(fmt, "webauthn.get", b64, ORIGIN, "} ", ch), PROTO_ERR_BAD_REQUEST);
	assert_int_equal(webauthn_client_data((const uint8_t *)"{", 1, "webauthn.get", ORIGIN, ch),
			 PROTO_ERR_BAD_REQUEST);
	assert_int_equal(
		webauthn_client_data((const uint8_t *)"{}\0", 3, "webauthn.get", ORIGIN, ch),
		PROTO_ERR_BAD_REQUEST);
}

/* An attestationObject as a browser sends it, from libfido2's parts. */
static size_t attobj(uint8_t *out, size_t cap, const char *fmt, const uint8_t *stmt,
		     size_t stmt_len, const uint8_t *auth, size_t auth_len)
{
	struct cbor_load_result res;
	cbor_item_t *m = cbor_new_definite_map(3), *s;
	size_t n;

	s = stmt_len > 0 ? cbor_load(stmt, stmt_len, &res) : cbor_new_definite_map(0);
	assert_non_null(s);
	assert_true(cbor_map_add(m, (struct cbor_pair){cbor_move(cbor_build_string("fmt")),
						       cbor_move(cbor_build_string(fmt))}));
	assert_true(cbor_map_add(
		m, (struct cbor_pair){cbor_move(cbor_build_string("attStmt")), cbor_move(s)}));
	assert_true(cbor_map_add(
		m, (struct cbor_pair){cbor_move(cbor_build_string("authData")),
				      cbor_move(cbor_build_bytestring(auth, auth_len))}));
	n = cbor_serialize(m, out, cap);
	cbor_decref(&m);
	assert_true(n > 0);
	return n;
}

static void attestation(int type)
{
	fido_dev_t *dev = NULL;
	fido_cred_t *cred = NULL;
	struct webauthn_cred wc;
	uint8_t obj[4096], auth[1024];
	const uint8_t *cdh;
	size_t n, al;
	char err[ERR_LEN];

	assert_int_equal(
		softkey_proc_start(&sp, "--alg", type == COSE_EDDSA ? "eddsa" : "es256", NULL), 0);
	assert_int_equal(fidodev_open(&dev, sp.spec, err), 0);
	assert_int_equal(fu_make_cred(dev, type, TEST_RP, NULL, &cred), FIDO_OK);
	cdh = fido_cred_clientdata_hash_ptr(cred);
	al = fido_cred_authdata_raw_len(cred);
	memcpy(auth, fido_cred_authdata_raw_ptr(cred), al);

	n = attobj(obj, sizeof(obj), "packed", fido_cred_attstmt_ptr(cred),
		   fido_cred_attstmt_len(cred), auth, al);
	assert_int_equal(webauthn_attestation(obj, n, TEST_RP, cdh, &wc), PROTO_OK);
	assert_int_equal(wc.alg, type == COSE_ES256 ? PROTO_COSE_ES256 : PROTO_COSE_EDDSA);
	assert_int_equal(wc.pk_len, fido_cred_pubkey_len(cred));
	assert_memory_equal(wc.pk, fido_cred_pubkey_ptr(cred), wc.pk_len);
	assert_memory_equal(wc.id, fido_cred_id_ptr(cred), wc.id_len);
	assert_string_equal(wc.fmt, "packed");
	/* Every refusal, and nothing left in the output. */
	assert_int_equal(webauthn_attestation(obj, n, "other.test", cdh, &wc),
			 PROTO_ERR_WRONG_TARGET);
	assert_int_equal(wc.pk_len, 0);
	{
		uint8_t bad[32];

		memcpy(bad, cdh, 32);
		bad[0] ^= 1;
		assert_int_equal(webauthn_attestation(obj, n, TEST_RP, bad, &wc),
				 PROTO_ERR_BAD_SIGNATURE);
	}
	assert_int_equal(webauthn_attestation(obj, n - 1, TEST_RP, cdh, &wc),
			 PROTO_ERR_BAD_REQUEST);
	n = attobj(obj, sizeof(obj), "tpm", fido_cred_attstmt_ptr(cred),
		   fido_cred_attstmt_len(cred), auth, al);
	assert_int_equal(webauthn_attestation(obj, n, TEST_RP, cdh, &wc), PROTO_ERR_BAD_REQUEST);
	/* Lengths that claim more than there is: refused before libcbor
	 * (or libfido2) would allocate for them. */
	{
		static const uint8_t huge[] = {0x9b, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff};
		uint8_t bad[1024];
		size_t key = 55 + ((size_t)auth[53] << 8 | auth[54]);

		assert_int_equal(webauthn_attestation(huge, sizeof(huge), TEST_RP, cdh, &wc),
				 PROTO_ERR_BAD_REQUEST);
		memcpy(bad, auth, key);
		bad[key] = 0xbb; /* a map of 2^64-1 pairs as the COSE key */
		memset(bad + key + 1, 0xff, 8);
		n = attobj(obj, sizeof(obj), "none", NULL, 0, bad, key + 9);
		assert_int_equal(webauthn_attestation(obj, n, TEST_RP, cdh, &wc),
				 PROTO_ERR_BAD_REQUEST);
	}
	/* "none": nothing signed, the rest as for packed. */
	n = attobj(obj, sizeof(obj), "none", NULL, 0, auth, al);
	assert_int_equal(webauthn_attestation(obj, n, TEST_RP, cdh, &wc), PROTO_OK);
	assert_string_equal(wc.fmt, "none");
	auth[32] &= (uint8_t)~0x01; /* no user presence */
	n = attobj(obj, sizeof(obj), "none", NULL, 0, auth, al);
	assert_int_equal(webauthn_attestation(obj, n, TEST_RP, cdh, &wc), PROTO_ERR_NO_PRESENCE);
	fido_cred_free(&cred);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_attestation_es256(void **state)
{
	attestation(COSE_ES256);
}

static void test_attestation_eddsa(void **state)
{
	attestation(COSE_EDDSA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_client_data),
		cmocka_unit_test(test_attestation_es256),
		cmocka_unit_test(test_attestation_eddsa),
	};

	fido_init(0);
	return cmocka_run_group_tests(tests, setup, teardown);
}

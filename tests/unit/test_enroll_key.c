/* SPDX-License-Identifier: ISC */
/*
 * enroll's security-key half against the gateway's check, with softkey
 * through libfido2: a credential made for the protocol's cdh, assertions
 * that verify (with both of the gateway's paths), and each refusal the
 * user must see explained: wrong PIN with the retries left, no touch, a
 * U2F-only key where the policy wants a PIN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "monitor/assertion.h"
#include "fido/fidodev.h"
#include "seckey.h"
#include "softkey_proc.h"

static struct softkey_proc sp;

static int setup(void **state)
{
	return softkey_proc_mkdir(&sp) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	softkey_proc_stop(&sp);
	softkey_proc_cleanup(&sp);
	return 0;
}

/* Registers a credential and returns it as the gateway stores it. */
static void enroll_cred(struct seckey *k, const char *pin, struct proto_cred *cred,
			struct enroll_cred *ec, struct assertion_verifier **v)
{
	struct assertion_key ak;
	uint8_t cdh[32];

	randombytes_buf(cdh, sizeof(cdh));
	assert_int_equal(seckey_make_cred(k, pin, "keygate", "keygate", cdh, cred), PROTO_OK);
	ak.alg = cred->alg;
	ak.pk_len = cred->pk_len;
	memcpy(ak.pk, cred->pk, cred->pk_len);
	assert_int_equal(assertion_verifier_create(v, &ak), 0);
	ec->alg = cred->alg;
	ec->id_len = cred->id_len;
	memcpy(ec->id, cred->id, cred->id_len);
}

static void check_alg(const char *alg)
{
	struct assertion_policy pol = {.rp_id = "keygate", .require_uv = true};
	struct assertion_verifier *v = NULL;
	struct proto_assertion a;
	struct proto_cred cred;
	struct enroll_cred ec;
	struct seckey k;
	char err[ERR_LEN];
	uint8_t cdh[32], other[32];
	uint32_t count = 0;

	assert_int_equal(softkey_proc_start(&sp, "--alg", alg, "--pin", "1234", NULL), 0);
	assert_int_equal(seckey_open(&k, sp.spec, err), 0);
	assert_true(seckey_wants_pin(&k));
	enroll_cred(&k, "1234", &cred, &ec, &v);
	assert_true(cred.uv);
	for (int i = 0; i < 3; i++) {
		randombytes_buf(cdh, sizeof(cdh));
		assert_int_equal(seckey_get_assertion(&k, "1234", "keygate", &ec, 1, cdh, &a),
				 PROTO_OK);
		assert_int_equal(assertion_check(v, &pol, cdh, &a, &count), PROTO_OK);
		pol.stored_count = count;
		/* The same assertion again: its counter did not grow. */
		assert_int_equal(assertion_check(v, &pol, cdh, &a, &count),
				 PROTO_ERR_COUNTER_REGRESSED);
		/* Made for another cdh (gateway, peer, challenge). */
		memcpy(other, cdh, 32);
		other[31] ^= 1;
		assert_int_equal(assertion_check(v, &pol, other, &a, &count),
				 PROTO_ERR_BAD_SIGNATURE);
	}
	/* Another rp ID: the key holds no credential for it. */
	assert_int_equal(seckey_get_assertion(&k, "1234", "other", &ec, 1, cdh, &a),
			 PROTO_ERR_CREDENTIAL_UNKNOWN);
	/* A wrong PIN, with the retries left. */
	assert_int_equal(seckey_get_assertion(&k, "9999", "keygate", &ec, 1, cdh, &a),
			 PROTO_ERR_WRONG_PIN);
	assert_int_equal(k.retries, 7);
	assertion_verifier_destroy(&v);
	seckey_close(&k);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_es256(void **state)
{
	check_alg("es256");
}

static void test_eddsa(void **state)
{
	check_alg("eddsa");
}

static void test_no_touch(void **state)
{
	struct proto_cred cred;
	struct seckey k;
	char err[ERR_LEN];
	uint8_t cdh[32] = {0};

	assert_int_equal(softkey_proc_start(&sp, "--presence", "no", NULL), 0);
	assert_int_equal(seckey_open(&k, sp.spec, err), 0);
	assert_false(seckey_wants_pin(&k));
	assert_int_equal(seckey_make_cred(&k, NULL, "keygate", "keygate", cdh, &cred),
			 PROTO_ERR_NO_TOUCH);
	seckey_close(&k);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_u2f_only(void **state)
{
	struct assertion_policy pol = {.rp_id = "keygate", .require_uv = true};
	struct assertion_verifier *v = NULL;
	struct proto_assertion a;
	struct proto_cred cred;
	struct enroll_cred ec;
	struct seckey k;
	char err[ERR_LEN];
	uint8_t cdh[32];
	uint32_t count;

	assert_int_equal(softkey_proc_start(&sp, "--u2f-only", NULL), 0);
	assert_int_equal(seckey_open(&k, sp.spec, err), 0);
	assert_false(k.fido2);
	enroll_cred(&k, NULL, &cred, &ec, &v);
	assert_false(cred.uv);
	randombytes_buf(cdh, sizeof(cdh));
	assert_int_equal(seckey_get_assertion(&k, NULL, "keygate", &ec, 1, cdh, &a), PROTO_OK);
	assert_int_equal(assertion_check(v, &pol, cdh, &a, &count), PROTO_ERR_UV_REQUIRED);
	pol.require_uv = false;
	assert_int_equal(assertion_check(v, &pol, cdh, &a, &count), PROTO_OK);
	assertion_verifier_destroy(&v);
	seckey_close(&k);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es256),
		cmocka_unit_test(test_eddsa),
		cmocka_unit_test(test_no_touch),
		cmocka_unit_test(test_u2f_only),
	};

	if (key_init() < 0)
		return 1;
	fidodev_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

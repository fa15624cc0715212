/* SPDX-License-Identifier: ISC */
/*
 * softkey through the stock libfido2 client path (lib/fidodev): credentials
 * and assertions with both algorithms, with and without a PIN, on both PIN
 * protocols; an untouched key; a credential from another key; a U2F-only
 * key; state across restarts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "fido_util.h"
#include "fido/fidodev.h"
#include "softkey_proc.h"

#define FLAG_UV 0x04

static struct softkey_proc sp;

static int setup(void **state)
{
	return softkey_proc_mkdir(&sp) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	softkey_proc_cleanup(&sp);
	return 0;
}

static fido_dev_t *open_dev(void)
{
	fido_dev_t *dev = NULL;
	char err[ERR_LEN];

	assert_int_equal(fidodev_open(&dev, sp.spec, err), 0);
	return dev;
}

/* One credential, two assertions: all verify, the counter grows. */
static void roundtrip(int type, const char *pin, bool uv)
{
	fido_dev_t *dev = open_dev();
	fido_cred_t *cred = NULL;
	fido_assert_t *a1 = NULL, *a2 = NULL;

	assert_int_equal(fu_make_cred(dev, type, TEST_RP, pin, &cred), FIDO_OK);
	assert_string_equal(fido_cred_fmt(cred), "packed");
	assert_int_equal(fido_cred_verify_self(cred), FIDO_OK);
	assert_int_equal(!!(fido_cred_flags(cred) & FLAG_UV), uv);
	assert_int_equal(fido_cred_pubkey_len(cred), type == COSE_ES256 ? 64 : 32);

	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, pin, &a1), FIDO_OK);
	assert_int_equal(fu_verify_assert(a1, cred, TEST_RP, uv), FIDO_OK);
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, pin, &a2), FIDO_OK);
	assert_int_equal(fu_verify_assert(a2, cred, TEST_RP, uv), FIDO_OK);
	assert_true(fido_assert_sigcount(a2, 0) > fido_assert_sigcount(a1, 0));
	assert_true(fido_assert_sigcount(a1, 0) > 0);
	/* The assertion is bound to its rp: verifying it for another fails. */
	assert_int_not_equal(fu_verify_assert(a1, cred, "other.test", uv), FIDO_OK);
	if (!uv)
		assert_int_not_equal(fu_verify_assert(a1, cred, TEST_RP, true), FIDO_OK);

	fido_assert_free(&a1);
	fido_assert_free(&a2);
	fido_cred_free(&cred);
	fidodev_close(&dev);
}

static void test_es256(void **state)
{
	assert_int_equal(softkey_proc_start(&sp, NULL), 0);
	roundtrip(COSE_ES256, NULL, false);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_eddsa(void **state)
{
	assert_int_equal(softkey_proc_start(&sp, "--alg", "eddsa", NULL), 0);
	roundtrip(COSE_EDDSA, NULL, false);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_alg_refused(void **state)
{
	fido_dev_t *dev;
	fido_cred_t *cred = NULL;

	assert_int_equal(softkey_proc_start(&sp, "--alg", "eddsa", NULL), 0);
	dev = open_dev();
	assert_int_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, NULL, &cred),
			 FIDO_ERR_UNSUPPORTED_ALGORITHM);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_pin(void **state)
{
	static const char *const protos[] = {"1", "2"};

	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(
			softkey_proc_start(&sp, "--pin", "1234", "--pin-protocol", protos[i], NULL),
			0);
		roundtrip(COSE_ES256, "1234", true);
		roundtrip(COSE_EDDSA, "1234", true);
		assert_int_equal(softkey_proc_stop(&sp), 0);
	}
}

static void test_pin_required(void **state)
{
	fido_dev_t *dev;
	fido_cred_t *cred = NULL;
	fido_assert_t *a = NULL;

	assert_int_equal(softkey_proc_start(&sp, "--pin", "1234", NULL), 0);
	dev = open_dev();
	assert_true(fido_dev_has_pin(dev));
	assert_int_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, NULL, &cred),
			 FIDO_ERR_PIN_REQUIRED);
	assert_int_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, "1234", &cred), FIDO_OK);
	/* An assertion without the PIN works, without UV. */
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a), FIDO_OK);
	assert_int_equal(fu_verify_assert(a, cred, TEST_RP, false), FIDO_OK);
	assert_int_not_equal(fu_verify_assert(a, cred, TEST_RP, true), FIDO_OK);
	fido_assert_free(&a);
	fido_cred_free(&cred);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_set_and_change_pin(void **state)
{
	static const char *const protos[] = {"1", "2"};

	for (size_t i = 0; i < 2; i++) {
		fido_dev_t *dev;

		assert_int_equal(softkey_proc_start(&sp, "--pin-protocol", protos[i], NULL), 0);
		dev = open_dev();
		assert_false(fido_dev_has_pin(dev));
		assert_int_equal(fido_dev_set_pin(dev, "12", NULL), FIDO_ERR_PIN_POLICY_VIOLATION);
		assert_int_equal(fido_dev_set_pin(dev, "4321", NULL), FIDO_OK);
		assert_int_equal(fido_dev_set_pin(dev, "5555", "0000"), FIDO_ERR_PIN_INVALID);
		assert_int_equal(fido_dev_set_pin(dev, "5555", "4321"), FIDO_OK);
		fidodev_close(&dev);
		roundtrip(COSE_ES256, "5555", true);
		assert_int_equal(softkey_proc_stop(&sp), 0);
	}
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A key nobody touches: keepalives for the touch timeout, then refusal. */
static void test_presence_refused(void **state)
{
	char statef[160];
	fido_dev_t *dev;
	fido_cred_t *cred = NULL, *c2 = NULL;
	fido_assert_t *a = NULL;
	int64_t t;

	snprintf(statef, sizeof(statef), "%s/state", sp.dir);
	assert_int_equal(softkey_proc_start(&sp, "--state", statef, NULL), 0);
	dev = open_dev();
	assert_int_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, NULL, &cred), FIDO_OK);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);

	assert_int_equal(softkey_proc_start(&sp, "--state", statef, "--presence", "no",
					    "--touch-timeout", "300", NULL),
			 0);
	dev = open_dev();
	t = ms_now();
	assert_int_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, NULL, &c2),
			 FIDO_ERR_OPERATION_DENIED);
	assert_true(ms_now() - t >= 300);
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a), FIDO_ERR_OPERATION_DENIED);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
	fido_cred_free(&cred);
}

static void test_foreign_credential(void **state)
{
	struct softkey_proc other;
	fido_dev_t *dev, *odev = NULL;
	fido_cred_t *cred = NULL;
	fido_assert_t *a = NULL;
	char err[ERR_LEN];

	assert_int_equal(softkey_proc_mkdir(&other), 0);
	assert_int_equal(softkey_proc_start(&other, NULL), 0);
	assert_int_equal(fidodev_open(&odev, other.spec, err), 0);
	assert_int_equal(fu_make_cred(odev, COSE_ES256, TEST_RP, NULL, &cred), FIDO_OK);
	fidodev_close(&odev);

	assert_int_equal(softkey_proc_start(&sp, NULL), 0);
	dev = open_dev();
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a), FIDO_ERR_NO_CREDENTIALS);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);

	/* On its own key the credential still works, for its rp only. */
	assert_int_equal(fidodev_open(&odev, other.spec, err), 0);
	assert_int_equal(fu_get_assert(odev, cred, "other.test", NULL, &a),
			 FIDO_ERR_NO_CREDENTIALS);
	assert_int_equal(fu_get_assert(odev, cred, TEST_RP, NULL, &a), FIDO_OK);
	fido_assert_free(&a);
	fidodev_close(&odev);
	assert_int_equal(softkey_proc_stop(&other), 0);
	softkey_proc_cleanup(&other);
	fido_cred_free(&cred);
}

static void test_u2f_only(void **state)
{
	fido_dev_t *dev;
	fido_cred_t *cred = NULL, *c2 = NULL;
	fido_assert_t *a1 = NULL, *a2 = NULL;

	assert_int_equal(softkey_proc_start(&sp, "--u2f-only", NULL), 0);
	dev = open_dev();
	assert_false(fido_dev_is_fido2(dev));
	assert_int_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, NULL, &cred), FIDO_OK);
	assert_string_equal(fido_cred_fmt(cred), "fido-u2f");
	assert_int_equal(fido_cred_verify(cred), FIDO_OK);
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a1), FIDO_OK);
	assert_int_equal(fu_verify_assert(a1, cred, TEST_RP, false), FIDO_OK);
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a2), FIDO_OK);
	assert_int_equal(fu_verify_assert(a2, cred, TEST_RP, false), FIDO_OK);
	assert_true(fido_assert_sigcount(a2, 0) > fido_assert_sigcount(a1, 0));
	/* U2F has no PIN. */
	assert_int_not_equal(fu_make_cred(dev, COSE_ES256, TEST_RP, "1234", &c2), FIDO_OK);
	fido_assert_free(&a1);
	fido_assert_free(&a2);
	fido_cred_free(&cred);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static void test_state_restart(void **state)
{
	char statef[160];
	fido_dev_t *dev;
	fido_cred_t *cred = NULL;
	fido_assert_t *a = NULL;
	uint32_t count;

	snprintf(statef, sizeof(statef), "%s/state", sp.dir);
	assert_int_equal(softkey_proc_start(&sp, "--state", statef, "--alg", "eddsa", NULL), 0);
	dev = open_dev();
	assert_int_equal(fu_make_cred(dev, COSE_EDDSA, TEST_RP, NULL, &cred), FIDO_OK);
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a), FIDO_OK);
	count = fido_assert_sigcount(a, 0);
	fido_assert_free(&a);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);

	assert_int_equal(softkey_proc_start(&sp, "--state", statef, "--alg", "eddsa", NULL), 0);
	dev = open_dev();
	assert_int_equal(fu_get_assert(dev, cred, TEST_RP, NULL, &a), FIDO_OK);
	assert_int_equal(fu_verify_assert(a, cred, TEST_RP, false), FIDO_OK);
	assert_true(fido_assert_sigcount(a, 0) > count);
	fido_assert_free(&a);
	fidodev_close(&dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
	fido_cred_free(&cred);
}

static void test_fidodev_errors(void **state)
{
	fido_dev_info_t *list = fido_dev_info_new(4);
	fido_dev_t *dev = NULL;
	char err[ERR_LEN];
	size_t n = 0;

	assert_int_equal(fidodev_open(&dev, "unix:/nonexistent/keygate.sock", err), -ENOENT);
	assert_null(dev);
	assert_int_not_equal(fidodev_open(&dev, "/dev/nonexistent-hidraw", err), 0);
	assert_null(dev);
	/* Without any security key plugged in, the default is a clear error. */
	assert_int_equal(fido_dev_info_manifest(list, 4, &n), FIDO_OK);
	if (n == 0)
		assert_int_equal(fidodev_open(&dev, NULL, err), -ENODEV);
	fido_dev_info_free(&list, 4);
	fidodev_close(&dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_es256, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eddsa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alg_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_and_change_pin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_presence_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_credential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_u2f_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_restart, setup, teardown),
		cmocka_unit_test(test_fidodev_errors),
	};

	if (sodium_init() < 0)
		return 1;
	fidodev_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

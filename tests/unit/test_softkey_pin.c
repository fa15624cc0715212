/* SPDX-License-Identifier: ISC */
/*
 * Wrong PINs on softkey, through libfido2: each costs a retry, three in a
 * row need a power cycle (a restart), and at zero the key is locked for
 * good, even for the right PIN. The retry counter survives restarts in the
 * --state file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <sodium.h>

#include "fido_util.h"
#include "fido/fidodev.h"
#include "softkey_proc.h"

static struct softkey_proc sp;
static char statef[160];

static int setup(void **state)
{
	if (softkey_proc_mkdir(&sp) != 0)
		return -1;
	snprintf(statef, sizeof(statef), "%s/state", sp.dir);
	return 0;
}

static int teardown(void **state)
{
	softkey_proc_cleanup(&sp);
	return 0;
}

static fido_dev_t *power_up(void)
{
	fido_dev_t *dev = NULL;
	char err[ERR_LEN];

	assert_int_equal(softkey_proc_start(&sp, "--state", statef, "--pin", "1234", NULL), 0);
	assert_int_equal(fidodev_open(&dev, sp.spec, err), 0);
	return dev;
}

static void power_down(fido_dev_t **dev)
{
	fidodev_close(dev);
	assert_int_equal(softkey_proc_stop(&sp), 0);
}

static int retries(fido_dev_t *dev)
{
	int n = -1;

	assert_int_equal(fido_dev_get_retry_count(dev, &n), FIDO_OK);
	return n;
}

static int try_pin(fido_dev_t *dev, const char *pin)
{
	fido_cred_t *cred = NULL;
	int r = fu_make_cred(dev, COSE_ES256, TEST_RP, pin, &cred);

	fido_cred_free(&cred);
	return r;
}

static void test_wrong_pin_and_power_cycle(void **state)
{
	fido_dev_t *dev = power_up();

	assert_int_equal(retries(dev), 8);
	assert_int_equal(try_pin(dev, "0000"), FIDO_ERR_PIN_INVALID);
	assert_int_equal(retries(dev), 7);
	assert_int_equal(try_pin(dev, "0001"), FIDO_ERR_PIN_INVALID);
	assert_int_equal(try_pin(dev, "0002"), FIDO_ERR_PIN_AUTH_BLOCKED);
	assert_int_equal(retries(dev), 5);
	/* Until the power cycle even the right PIN is refused, at no cost. */
	assert_int_equal(try_pin(dev, "1234"), FIDO_ERR_PIN_AUTH_BLOCKED);
	assert_int_equal(retries(dev), 5);
	power_down(&dev);

	dev = power_up();
	assert_int_equal(retries(dev), 5);
	assert_int_equal(try_pin(dev, "1234"), FIDO_OK);
	assert_int_equal(retries(dev), 8);
	power_down(&dev);
}

static void test_lockout(void **state)
{
	fido_dev_t *dev;
	int left = 8;

	while (left > 0) {
		dev = power_up();
		for (int i = 0; i < 3 && left > 0; i++) {
			int r = try_pin(dev, "9999");

			left--;
			if (left == 0)
				assert_int_equal(r, FIDO_ERR_PIN_BLOCKED);
			else if (i == 2)
				assert_int_equal(r, FIDO_ERR_PIN_AUTH_BLOCKED);
			else
				assert_int_equal(r, FIDO_ERR_PIN_INVALID);
		}
		power_down(&dev);
	}
	dev = power_up();
	assert_int_equal(retries(dev), 0);
	assert_int_equal(try_pin(dev, "1234"), FIDO_ERR_PIN_BLOCKED);
	power_down(&dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wrong_pin_and_power_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	fidodev_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
/*
 * enroll without an interface name (state_pick): the one IF.keygate in the
 * config dir; several are a usage error naming them, none a plain error;
 * what is not an interface's state (a temp file of an atomic write, a name
 * too long for an interface) does not count. A name given is left alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"
#include "state.h"

static char dir[] = "/tmp/keygate-pick-XXXXXX";

static void touch(const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

static int pick(struct enroll_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dir = dir;
	return state_pick(o, "enroll up");
}

static void test_pick(void **state)
{
	struct enroll_opts o;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pick(&o), -ENOENT);
	assert_null(o.ifname);
	/* Not states: wg-quick's own config, a temp file, too long a name. */
	touch("wg0.conf");
	touch(".wg0.keygate.tmp");
	touch("a-name-too-long-for-linux.keygate");
	touch(".keygate");
	assert_int_equal(pick(&o), -ENOENT);

	touch("wg0.keygate");
	assert_int_equal(pick(&o), 0);
	assert_string_equal(o.ifname, "wg0");

	touch("home.keygate");
	assert_int_equal(pick(&o), -ENOTUNIQ);
	assert_null(o.ifname);

	/* Named: no look at the directory. */
	memset(&o, 0, sizeof(o));
	o.dir = "/nonexistent";
	o.ifname = "work";
	assert_int_equal(state_pick(&o, "enroll up"), 0);
	assert_string_equal(o.ifname, "work");

	o.ifname = NULL;
	assert_int_equal(state_pick(&o, "enroll up"), -ENOENT);
	assert_true(opts_ifname_valid("wg0"));
	assert_false(opts_ifname_valid("a/b"));
	assert_false(opts_ifname_valid(".."));
	assert_false(opts_ifname_valid("sixteen-chars-xx"));
}

static int cleanup(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pick, cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

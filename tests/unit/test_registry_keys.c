/* SPDX-License-Identifier: ISC */
/* Key IDs: their hash, prefixes, and the migration of the old short ones
 * (docs/registry.md). Apart from test_registry.c for its size. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/atomicfile.h"
#include "base/key.h"
#include "state/registry.h"
#include "base/strbuf.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/keygate-test-registry-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct registry *new_registry(void)
{
	struct registry *r;
	struct ipaddr net;

	assert_int_equal(registry_create(&r, dir), 0);
	assert_int_equal(ipaddr_parse(&net, "10.77.0.1/24", true), 0);
	registry_set_networks(r, &net, 1);
	return r;
}

/* Key IDs are 128 bits of a hash of the whole credential; the values are
 * from an independent implementation (Python's hashlib, docs/registry.md). */
static void key_ids(void **state)
{
	struct registry *r = new_registry();
	struct reg_owner *o;
	struct reg_cred *c;
	uint8_t pk[65], credid[40];
	char id[REG_CRED_ID_LEN + 1], legacy[REG_CRED_ID_LEGACY + 1];

	memset(pk, 7, sizeof(pk));
	memset(credid, 9, sizeof(credid));
	registry_cred_id(id, REG_ES256, pk, 64, credid, 40);
	assert_string_equal(id, "87f34c1929cface5e576fed0b259c81b");
	/* The same key kept with its 0x04 prefix has the same ID. */
	pk[0] = 0x04;
	memset(pk + 1, 7, 64);
	registry_cred_id(id, REG_ES256, pk, 65, credid, 40);
	assert_string_equal(id, "87f34c1929cface5e576fed0b259c81b");
	registry_cred_legacy_id(legacy, credid, 40);
	assert_string_equal(legacy, "ffe5abc0");
	credid[0] = 1;
	memset(pk, 7, sizeof(pk));
	registry_cred_id(id, REG_EDDSA, pk, 32, credid, 40);
	assert_string_equal(id, "2418a16d2203c5d2d87a511b0b26c1b0");
	/* Added keys carry it, and the same credential twice is refused. */
	assert_int_equal(registry_owner_add(r, "alice", &o), 0);
	assert_int_equal(registry_cred_add(r, o, REG_EDDSA, pk, 32, credid, 40, &c), 0);
	assert_string_equal(c->id, "2418a16d2203c5d2d87a511b0b26c1b0");
	assert_int_equal(registry_cred_add(r, o, REG_ES256, pk, 64, credid, 40, NULL), -EEXIST);
	registry_destroy(&r);
}

/* Commands name a key by any unique prefix of at least 8 hex digits. */
static void key_prefixes(void **state)
{
	struct registry *r = new_registry();
	struct reg_owner *o;
	struct reg_cred *a, *b, *got;
	uint8_t pk[64] = {1}, credid[16] = {1};
	char err[ERR_LEN];

	assert_int_equal(registry_owner_add(r, "alice", &o), 0);
	assert_int_equal(registry_cred_add(r, o, REG_ES256, pk, 64, credid, 16, &a), 0);
	credid[0] = 2;
	assert_int_equal(registry_cred_add(r, o, REG_ES256, pk, 64, credid, 16, &b), 0);
	/* Two IDs that share their first ten digits, as a thief who ground
	 * a software key for it would make them. */
	strcpy(a->id, "0123456789aaaaaaaaaaaaaaaaaaaaaa");
	strcpy(b->id, "0123456789bbbbbbbbbbbbbbbbbbbbbb");
	assert_int_equal(registry_cred_lookup(o, "01234567", &got, err), -ENOTUNIQ);
	assert_null(got);
	assert_non_null(strstr(err, "ambiguous"));
	assert_non_null(strstr(err, a->id));
	assert_non_null(strstr(err, b->id));
	assert_int_equal(registry_cred_lookup(o, "0123456789A", &got, err), 0);
	assert_ptr_equal(got, a);
	assert_int_equal(registry_cred_lookup(o, b->id, &got, err), 0);
	assert_ptr_equal(got, b);
	assert_int_equal(registry_cred_lookup(o, "0123456", &got, err), -EINVAL);
	assert_non_null(strstr(err, "give 8 to 32 hex digits"));
	assert_int_equal(registry_cred_lookup(o, "0123456g", &got, err), -EINVAL);
	assert_int_equal(registry_cred_lookup(o, "fedcba98", &got, err), -ENOENT);
	assert_non_null(strstr(err, "owner 'alice' has no key 'fedcba98'"));
	registry_destroy(&r);
}

/* An owners file of an older version (8-digit IDs, no by-key) loads, its
 * IDs take their long form, computed from what is stored, and the file is
 * written back so. */
static void legacy_owners_file(void **state)
{
	static const char old[] =
		"# keygate registry: owners.\n"
		"owner alice require-uv=yes window=- idle=-\n"
		"key alice id=ffe5abc0 alg=es256 public-key="
		"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw"
		"cHBw== "
		"credential=CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQ "
		"counter=42 state=active added=1700000000\n"
		"end 2\n";
	struct registry *r = new_registry(), *r2 = new_registry();
	char path[128], err[ERR_LEN], *text;
	struct reg_cred *c;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/peers", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/codes", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/owners", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(old, f);
	fclose(f);
	if (registry_load(r, err) < 0)
		fail_msg("%s", err);
	c = registry_owner_find(r, "alice")->creds;
	assert_string_equal(c->id, "87f34c1929cface5e576fed0b259c81b");
	assert_int_equal(c->counter, 42);
	assert_string_equal(c->by_key, "");
	assert_int_equal(r->dirty, 0); /* written back at once */
	assert_int_equal(atomicfile_read(path, &text, &len, 1 << 20), 0);
	assert_non_null(strstr(text, "id=87f34c1929cface5e576fed0b259c81b "));
	assert_non_null(strstr(text, " by-key=- by-device=-\n"));
	free(text);
	if (registry_load(r2, err) < 0)
		fail_msg("%s", err);
	assert_string_equal(registry_owner_find(r2, "alice")->creds->id, c->id);
	assert_int_equal(r2->repaired, 0);
	registry_destroy(&r);
	registry_destroy(&r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_ids),
		cmocka_unit_test(key_prefixes),
		cmocka_unit_test(legacy_owners_file),
	};

	key_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

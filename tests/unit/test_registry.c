/* SPDX-License-Identifier: ISC */
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

static struct reg_peer *add_peer(struct registry *r, const char *name, struct reg_owner *o,
				 const char *addr)
{
	struct reg_peer t = {.owner = o, .window = REG_INHERIT, .idle = REG_INHERIT}, *p;
	char err[ERR_LEN];

	strcpy(t.name, name);
	if (addr != NULL) {
		struct ipaddr a;

		assert_int_equal(ipaddr_parse(&a, addr, false), 0);
		assert_int_equal(registry_addr_put(&t, &a), 0);
	}
	if (registry_peer_add(r, &t, &p, err) < 0)
		fail_msg("%s", err);
	return p;
}

static void fill(struct registry *r)
{
	struct reg_owner *alice, *bob;
	struct reg_peer *p;
	struct reg_cred *c;
	uint8_t pk[64], credid[40], key[KEY_LEN];
	char code[ENROLLCODE_STR_LEN + 1];

	assert_int_equal(registry_owner_add(r, "alice", &alice), 0);
	assert_int_equal(registry_owner_add(r, "bob@example.org", &bob), 0);
	alice->require_uv = true;
	alice->window = 8 * 3600;
	bob->idle = 0;
	memset(pk, 7, sizeof(pk));
	memset(credid, 9, sizeof(credid));
	assert_int_equal(registry_cred_add(r, alice, REG_ES256, pk, 64, credid, 40, &c), 0);
	registry_cred_set_counter(r, c, 42);
	credid[0] = 1;
	assert_int_equal(registry_cred_add(r, alice, REG_EDDSA, pk, 32, credid, 40, &c), 0);
	registry_cred_revoke(r, c);
	p = add_peer(r, "laptop", alice, NULL);
	key_generate_private(key);
	assert_int_equal(registry_peer_set_key(r, p, key), 0);
	p = add_peer(r, "phone", alice, "10.77.0.50");
	p->kind = REG_MOBILE;
	p->psk = malloc(KEY_LEN);
	memset(p->psk, 3, KEY_LEN);
	p->window = 3600;
	p->idle = 0;
	p = add_peer(r, "bob-laptop", bob, NULL);
	registry_peer_set_disabled(r, p, true);
	assert_int_equal(registry_code_create(r, p, 3600, false, code), 0);
}

static void text_of(const struct registry *r, struct strbuf *sb)
{
	registry_format(r, REG_OWNERS, sb);
	registry_format(r, REG_PEERS, sb);
	registry_format(r, REG_CODES, sb);
}

static void round_trip(void **state)
{
	struct registry *r = new_registry(), *r2 = new_registry();
	struct strbuf a, b;
	char err[ERR_LEN], path[128];
	struct stat st;
	struct reg_peer *p;

	fill(r);
	assert_int_equal(registry_save(r), 0);
	assert_int_equal(r->dirty, 0);
	snprintf(path, sizeof(path), "%s/peers", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	if (registry_load(r2, err) < 0)
		fail_msg("%s", err);
	strbuf_init(&a);
	strbuf_init(&b);
	text_of(r, &a);
	text_of(r2, &b);
	assert_string_equal(a.buf, b.buf);
	p = registry_peer_find(r2, "phone");
	assert_non_null(p);
	assert_int_equal(p->kind, REG_MOBILE);
	assert_non_null(p->psk);
	assert_int_equal(p->psk[5], 3);
	assert_true(registry_peer_find(r2, "bob-laptop")->disabled);
	assert_true(registry_owner_find(r2, "alice")->require_uv);
	assert_int_equal(registry_owner_find(r2, "alice")->creds->counter, 42);
	assert_true(registry_owner_find(r2, "alice")->creds->next->revoked);
	/* The allocated address is the first free host, not the gateway's. */
	assert_int_equal(registry_peer_find(r2, "laptop")->addr4[3], 2);
	strbuf_finish(&a);
	strbuf_finish(&b);
	registry_destroy(&r);
	registry_destroy(&r2);
	assert_null(r);
}

/* A copy of the saved peers file with one line replaced must not load,
 * and the error must name that line. */
static void corrupt_lines(void **state)
{
	static const char *const bad[] = {
		"peer laptop owner=nobody kind=laptop public-key=- address=10.77.0.9 window=- "
		"idle=- state=enabled psk=- added=1",
		"peer laptop owner=alice kind=desktop public-key=- address=10.77.0.9 window=- "
		"idle=- state=enabled psk=- added=1",
		"peer laptop owner=alice kind=laptop public-key=xyz address=10.77.0.9 window=- "
		"idle=- state=enabled psk=- added=1",
		"peer laptop owner=alice kind=laptop public-key=- address=10.77.0.300 window=- "
		"idle=- state=enabled psk=- added=1",
		"peer laptop owner=alice kind=laptop public-key=- address=10.77.0.9 window=10x "
		"idle=- state=enabled psk=- added=1",
		"peer laptop owner=alice kind=laptop public-key=- address=10.77.0.9 window=- "
		"idle=- state=enabled psk=- added=1 color=red",
		"peer laptop owner=alice kind=laptop public-key=- address=10.77.0.50 window=- "
		"idle=- state=enabled psk=- added=1",
		"peer laptop owner=alice",
		"peeer laptop",
		"peer",
	};
	struct registry *r = new_registry();
	struct strbuf sb;
	char err[ERR_LEN];

	fill(r);
	strbuf_init(&sb);
	registry_format(r, REG_OWNERS, &sb);
	registry_destroy(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct registry *o = new_registry();
		char text[1024];

		assert_int_equal(registry_parse(o, REG_OWNERS, sb.buf, sb.len, "owners", err), 0);
		snprintf(text, sizeof(text),
			 "# header\npeer phone owner=alice kind=mobile public-key=- "
			 "address=10.77.0.50 window=- idle=- state=enabled psk=- added=1\n%s\nend "
			 "2\n",
			 bad[i]);
		assert_int_equal(registry_parse(o, REG_PEERS, text, strlen(text), "peers", err),
				 -EINVAL);
		if (strncmp(err, "peers:3: ", 9) != 0)
			fail_msg("line %zu: error '%s' does not name peers:3", i, err);
		registry_destroy(&o);
	}
	strbuf_finish(&sb);
}

static void truncated(void **state)
{
	struct registry *r = new_registry(), *r2;
	struct strbuf sb;
	char err[ERR_LEN];
	char *cut;

	fill(r);
	strbuf_init(&sb);
	registry_format(r, REG_OWNERS, &sb);
	/* Cut in the middle of a line. */
	r2 = new_registry();
	assert_int_equal(registry_parse(r2, REG_OWNERS, sb.buf, sb.len / 2, "owners", err),
			 -EINVAL);
	assert_non_null(strstr(err, "truncated"));
	registry_destroy(&r2);
	/* Cut at a line boundary: the missing end line tells. */
	cut = strstr(sb.buf, "\nkey ");
	assert_non_null(cut);
	r2 = new_registry();
	assert_int_equal(
		registry_parse(r2, REG_OWNERS, sb.buf, (size_t)(cut - sb.buf) + 1, "owners", err),
		-EINVAL);
	assert_non_null(strstr(err, "no 'end' line: the file is truncated"));
	registry_destroy(&r2);
	strbuf_finish(&sb);
	registry_destroy(&r);
}

static void atomic_write(void **state)
{
	char path[128], *buf;
	size_t len;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/file", dir);
	assert_int_equal(atomicfile_write(path, "old\n", 4, 0600), 0);
	assert_int_equal(atomicfile_write(path, "new\n", 4, 0600), 0);
	assert_int_equal(atomicfile_read(path, &buf, &len, 100), 0);
	assert_string_equal(buf, "new\n");
	free(buf);
	assert_int_equal(atomicfile_read(path, &buf, &len, 2), -EFBIG);
	/* A write into a directory that is gone fails and leaves nothing. */
	assert_int_not_equal(atomicfile_write("/nonexistent-dir/x", "a", 1, 0600), 0);
	d = opendir(dir);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp.") != NULL)
			fail_msg("temporary file %s left behind", e->d_name);
	closedir(d);
}

static void codes_and_addresses(void **state)
{
	struct registry *r = new_registry();
	struct reg_owner *o;
	struct reg_peer *p, *got;
	struct reg_code *rc, *taken;
	char code[ENROLLCODE_STR_LEN + 1], err[ERR_LEN];
	struct reg_peer t = {0};
	struct ipaddr a99;

	assert_int_equal(registry_owner_add(r, "carol", &o), 0);
	p = add_peer(r, "a", o, NULL);
	assert_int_equal(registry_code_create(r, p, 3600, false, code), 0);
	assert_int_equal(strlen(code), ENROLLCODE_STR_LEN);
	assert_int_equal(registry_code_take(r, "wrong", &rc), -EINVAL);
	assert_int_equal(registry_code_take(r, code, &taken), 0);
	assert_string_equal(taken->peer, "a");
	assert_false(taken->new_key);
	assert_int_equal(registry_code_take(r, code, &rc), -ENOENT); /* single use */
	/* A code that could not be spent on disk goes back, and works. */
	registry_code_put_back(r, taken);
	assert_int_equal(registry_code_take(r, code, &rc), 0);
	free(rc);
	assert_int_equal(registry_code_create(r, p, -1, false, code), 0);
	assert_int_equal(registry_code_take(r, code, &rc), -ETIMEDOUT);
	assert_null(rc);
	/* Disabling or removing a peer voids its codes (handle_peer.c). */
	assert_int_equal(registry_code_create(r, p, 3600, true, code), 0);
	assert_int_equal(registry_code_create(r, p, 3600, false, code), 0);
	assert_int_equal(registry_code_void(r, "a"), 2);
	assert_int_equal(registry_code_take(r, code, &rc), -ENOENT);
	assert_int_equal(r->n_codes, 0);
	/* A /24 holds 253 peers besides the gateway. */
	for (int i = 0; i < 252; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		add_peer(r, name, o, NULL);
	}
	strcpy(t.name, "full");
	t.owner = o;
	assert_int_equal(registry_peer_add(r, &t, NULL, err), -EADDRNOTAVAIL);
	assert_non_null(strstr(err, "no free tunnel address"));
	strcpy(t.name, "a");
	assert_int_equal(ipaddr_parse(&a99, "10.77.0.99", false), 0);
	assert_int_equal(registry_addr_put(&t, &a99), 0);
	assert_int_equal(registry_peer_add(r, &t, NULL, err), -EEXIST);
	registry_peer_remove(r, registry_peer_find(r, "p10"));
	strcpy(t.name, "again");
	t.addrs = 0;
	assert_int_equal(registry_peer_add(r, &t, &got, err), 0);
	assert_int_equal(got->addr4[3], 13);
	/* An owner with peers stays; one without goes, and its name is free. */
	assert_int_equal(registry_owner_remove(r, o), -EBUSY);
	assert_int_equal(registry_owner_add(r, "dave", &o), 0);
	assert_int_equal(registry_owner_remove(r, o), 0);
	assert_null(registry_owner_find(r, "dave"));
	assert_int_equal(r->n_owners, 1);
	assert_int_equal(registry_owner_add(r, "dave", &o), 0);
	registry_destroy(&r);
}

/* A crash after the peers file is written and before the codes file leaves
 * the code of a removed peer behind: the next start drops it and says so. */
static void dangling_code(void **state)
{
	struct registry *r = new_registry(), *r2;
	struct reg_owner *o;
	struct reg_peer *p;
	struct strbuf codes;
	char code[ENROLLCODE_STR_LEN + 1], err[ERR_LEN];

	assert_int_equal(registry_owner_add(r, "erin", &o), 0);
	p = add_peer(r, "gone", o, NULL);
	add_peer(r, "kept", o, NULL);
	assert_int_equal(registry_code_create(r, p, 3600, false, code), 0);
	strbuf_init(&codes);
	registry_format(r, REG_CODES, &codes);
	registry_peer_remove(r, p);

	/* r2 is what the files hold: the peers file already without "gone". */
	r2 = new_registry();
	assert_int_equal(registry_owner_add(r2, "erin", &o), 0);
	add_peer(r2, "kept", o, NULL);
	r2->dirty = 0;
	assert_int_equal(registry_parse(r2, REG_CODES, codes.buf, codes.len, "codes", err), 0);
	assert_int_equal(r2->n_codes, 0);
	assert_true(r2->repaired & REG_CODES); /* the load drops it on disk too */
	registry_destroy(&r2);
	strbuf_finish(&codes);
	registry_destroy(&r);
}

/* Two lines of one credential, or an ID that is not its credential's, do
 * not load; the error names the line. */
static void duplicate_keys(void **state)
{
	struct registry *r = new_registry(), *bad;
	struct strbuf sb;
	char err[ERR_LEN], *dup, *line, *end;
	size_t n;

	fill(r);
	strbuf_init(&sb);
	registry_format(r, REG_OWNERS, &sb);
	/* The first key line, twice. */
	line = strstr(sb.buf, "\nkey ") + 1;
	end = strchr(line, '\n') + 1;
	n = (size_t)(end - line);
	dup = calloc(1, sb.len + n + 1);
	memcpy(dup, sb.buf, (size_t)(end - sb.buf));
	memcpy(dup + (end - sb.buf), line, n);
	strcpy(dup + (end - sb.buf) + n, end);
	*strstr(dup, "end 4") = '\0';
	strcat(dup, "end 5\n");
	bad = new_registry();
	assert_int_equal(registry_parse(bad, REG_OWNERS, dup, strlen(dup), "owners", err), -EINVAL);
	if (strstr(err, "owners:4: key ") == NULL || strstr(err, "appears twice") == NULL)
		fail_msg("%s", err);
	assert_non_null(strstr(err, "appears twice"));
	registry_destroy(&bad);
	/* The first key's ID, changed by one digit. */
	strcpy(dup, sb.buf);
	line = strstr(dup, " id=") + 4;
	line[0] = line[0] == '0' ? '1' : '0';
	bad = new_registry();
	assert_int_equal(registry_parse(bad, REG_OWNERS, dup, strlen(dup), "owners", err), -EINVAL);
	if (strstr(err, "does not match its credential") == NULL)
		fail_msg("%s", err);
	registry_destroy(&bad);
	free(dup);
	strbuf_finish(&sb);
	registry_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),          cmocka_unit_test(corrupt_lines),
		cmocka_unit_test(truncated),           cmocka_unit_test(atomic_write),
		cmocka_unit_test(codes_and_addresses), cmocka_unit_test(dangling_code),
		cmocka_unit_test(duplicate_keys),
	};

	key_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

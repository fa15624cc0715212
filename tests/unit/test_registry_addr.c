/* SPDX-License-Identifier: ISC */
/* A peer's tunnel addresses on a dual-stack interface: one from each
 * network, the same host part where free, a full network named, peers
 * files with one address filled in at load, both addresses in a session's
 * line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/atomicfile.h"
#include "base/key.h"
#include "base/strbuf.h"
#include "state/registry.h"
#include "state/session.h"
#include "state/session_file.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/keygate-test-regaddr-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* A registry on an interface with the networks "a,b" (CIDRs). */
static struct registry *on(const char *nets)
{
	struct registry *r;
	struct ipaddr n[2];
	char buf[64], *b;
	int k = 0;

	assert_int_equal(registry_create(&r, dir), 0);
	snprintf(buf, sizeof(buf), "%s", nets);
	for (char *tok = strtok_r(buf, ",", &b); tok != NULL; tok = strtok_r(NULL, ",", &b))
		assert_int_equal(ipaddr_parse(&n[k++], tok, true), 0);
	registry_set_networks(r, n, k);
	return r;
}

/* Adds a peer (with the addresses "a,b" or none) and returns its
 * addresses' text, or the error. */
static int add(struct registry *r, const char *name, const char *addrs, char out[ERR_LEN])
{
	struct reg_peer t = {.window = REG_INHERIT, .idle = REG_INHERIT}, *p;
	struct ipaddr a[REG_ADDRS_MAX];
	int ret;

	t.owner = registry_owner_find(r, "alice");
	if (t.owner == NULL)
		assert_int_equal(registry_owner_add(r, "alice", &t.owner), 0);
	strcpy(t.name, name);
	if (addrs != NULL) {
		int n = ipaddr_parse_list(a, REG_ADDRS_MAX, addrs);

		assert_true(n > 0);
		for (int i = 0; i < n; i++)
			assert_int_equal(registry_addr_put(&t, &a[i]), 0);
	}
	ret = registry_peer_add(r, &t, &p, out);
	if (ret == 0)
		registry_addr_text(p, out, false);
	return ret;
}

static void both_families(void **state)
{
	struct registry *r = on("10.77.0.1/24,fd77::1/64");
	struct ipaddr a;
	char s[ERR_LEN];

	assert_int_equal(add(r, "a", NULL, s), 0);
	assert_string_equal(s, "10.77.0.2,fd77::2");
	/* An address the admin chose brings its host part to the other. */
	assert_int_equal(add(r, "b", "10.77.0.9", s), 0);
	assert_string_equal(s, "10.77.0.9,fd77::9");
	assert_int_equal(add(r, "c", "fd77::3:7", s), 0);
	assert_string_equal(s, "10.77.0.3,fd77::3:7"); /* 10.77.3.7 is outside the /24 */
	/* Taken host part: the next free one. */
	assert_int_equal(add(r, "d", "fd77::10", s), 0);
	assert_string_equal(s, "10.77.0.10,fd77::10");
	assert_int_equal(add(r, "d2", "10.77.0.123", s), 0);
	assert_string_equal(s, "10.77.0.123,fd77::123");
	/* A partner that is taken, or IPv4's broadcast: another one. */
	assert_int_equal(add(r, "t1", "10.77.0.30,fd77::31", s), 0);
	assert_int_equal(add(r, "t2", "10.77.0.31", s), 0);
	assert_true(strncmp(s, "10.77.0.31,fd77::", 17) == 0 && strcmp(s + 17, "31") != 0);
	assert_int_equal(add(r, "t3", "fd77::255", s), 0);
	assert_true(strncmp(s, "10.77.0.", 8) == 0 && strcmp(s, "10.77.0.255,fd77::255") != 0);
	assert_int_equal(add(r, "e", "10.77.0.5", s), 0);
	assert_string_equal(s, "10.77.0.5,fd77::5");
	assert_int_equal(add(r, "f", "10.77.0.6,fd77::5", s), -EEXIST);
	assert_non_null(strstr(s, "fd77::5 is taken"));
	assert_int_equal(add(r, "g", "fd77::1", s), -EEXIST); /* the gateway's */
	/* Either address finds the peer; removing it frees both. */
	ipaddr_parse(&a, "fd77::9", false);
	assert_string_equal(registry_peer_find_addr(r, &a)->name, "b");
	ipaddr_parse(&a, "10.77.0.9", false);
	assert_string_equal(registry_peer_find_addr(r, &a)->name, "b");
	registry_peer_remove(r, registry_peer_find(r, "b"));
	assert_null(registry_peer_find_addr(r, &a));
	ipaddr_parse(&a, "fd77::9", false);
	assert_null(registry_peer_find_addr(r, &a));
	assert_int_equal(add(r, "h", "fd77::9", s), 0);
	assert_string_equal(s, "10.77.0.9,fd77::9");
	/* Two of one family are refused. */
	assert_true(ipaddr_parse_list((struct ipaddr[2]){0}, 2, "10.77.0.2,10.77.0.3") < 0);
	registry_destroy(&r);
	/* One family only: one address, as before. */
	r = on("fd77::1/64");
	assert_int_equal(add(r, "a", NULL, s), 0);
	assert_string_equal(s, "fd77::2");
	registry_destroy(&r);
	/* The peer struct stays in its heap chunk (registry.h). */
	assert_true(sizeof(struct reg_peer) <= 136);
}

static void one_family_full(void **state)
{
	/* A /30 holds one peer besides the gateway; the /64 many more. */
	struct registry *r = on("10.77.0.1/30,fd77::1/64");
	char s[ERR_LEN];

	assert_int_equal(add(r, "a", NULL, s), 0);
	assert_string_equal(s, "10.77.0.2,fd77::2");
	assert_int_equal(add(r, "b", NULL, s), -EADDRNOTAVAIL);
	assert_non_null(
		strstr(s, "no free tunnel address left in the interface network 10.77.0.1/30"));
	assert_null(registry_peer_find(r, "b"));
	assert_int_equal(r->n_peers, 1);
	/* Nothing of the refused peer stays in the indexes. */
	assert_int_equal(r->peer_by_addr6.count, 1);
	registry_destroy(&r);
}

static void write_file(const char *name, const char *text)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(atomicfile_write(path, text, strlen(text), 0600), 0);
}

static char *read_file(const char *name)
{
	static char buf[4096];
	char path[128];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void old_peers_file(void **state)
{
	struct registry *r = on("10.77.0.1/24,fd77::1/64");
	char err[ERR_LEN], s[IPADDR_LIST_STR_LEN];

	write_file("owners", "owner alice require-uv=yes window=- idle=-\nend 1\n");
	/* Written before the interface had an IPv6 network; one peer has
	 * both already, and its IPv6 host part is another's IPv4 one. */
	write_file("peers",
		   "peer a owner=alice kind=laptop public-key=- address=10.77.0.5 window=- "
		   "idle=- state=enabled psk=- added=1\n"
		   "peer b owner=alice kind=laptop public-key=- address=10.77.0.6,fd77::5 "
		   "window=- idle=- state=enabled psk=- added=1\n"
		   "peer c owner=alice kind=mobile public-key=- address=fd77::7 window=- "
		   "idle=- state=enabled psk=- added=1\nend 3\n");
	assert_int_equal(registry_load(r, err), 0);
	assert_int_equal(r->filled, 2);
	registry_addr_text(registry_peer_find(r, "a"), s, false);
	assert_string_equal(s, "10.77.0.5,fd77::2"); /* fd77::5 is b's */
	registry_addr_text(registry_peer_find(r, "c"), s, false);
	assert_string_equal(s, "10.77.0.7,fd77::7");
	/* Saved at once, and read back as it is. */
	assert_non_null(strstr(read_file("peers"), "peer a owner=alice kind=laptop public-key=- "
						   "address=10.77.0.5,fd77::2 "));
	registry_destroy(&r);
	r = on("10.77.0.1/24,fd77::1/64");
	assert_int_equal(registry_load(r, err), 0);
	assert_int_equal(r->filled, 0);
	registry_destroy(&r);
	/* On an IPv4-only interface nothing is added or lost. */
	r = on("10.77.0.1/24");
	assert_int_equal(registry_load(r, err), 0);
	assert_int_equal(r->filled, 0);
	registry_addr_text(registry_peer_find(r, "c"), s, false);
	assert_string_equal(s, "10.77.0.7,fd77::7");
	registry_destroy(&r);
	/* A broken address names its line. */
	write_file("peers",
		   "peer a owner=alice kind=laptop public-key=- address=10.77.0.5 window=- "
		   "idle=- state=enabled psk=- added=1\n"
		   "peer b owner=alice kind=laptop public-key=- address=10.77.0.6,10.77.0.8 "
		   "window=- idle=- state=enabled psk=- added=1\nend 2\n");
	r = on("10.77.0.1/24,fd77::1/64");
	assert_int_equal(registry_load(r, err), -EINVAL);
	assert_non_null(strstr(err, "peers:2"));
	assert_non_null(strstr(err, "10.77.0.6,10.77.0.8"));
	registry_destroy(&r);
	/* Two peers on one address: the second line is named. */
	write_file("peers", "peer a owner=alice kind=laptop public-key=- address=10.77.0.5,fd77::9 "
			    "window=- idle=- state=enabled psk=- added=1\n"
			    "peer b owner=alice kind=laptop public-key=- address=fd77::9 "
			    "window=- idle=- state=enabled psk=- added=1\nend 2\n");
	r = on("10.77.0.1/24,fd77::1/64");
	assert_int_equal(registry_load(r, err), -EINVAL);
	assert_non_null(strstr(err, "peers:2"));
	assert_non_null(strstr(err, "fd77::9 is taken"));
	registry_destroy(&r);
}

static void session_lines(void **state)
{
	static const char boot[] = "01234567-89ab-cdef-0123-456789abcdef";
	struct sessions ss, back;
	struct session_req req = {.name = "a", .owner = "alice", .by = "admin"};
	uint8_t key[KEY_LEN] = {1};
	struct session *s;
	struct strbuf sb;
	char err[ERR_LEN],
		text[] = "boot 01234567-89ab-cdef-0123-456789abcdef\n"
			 "session a owner=alice public-key=AQAAAAAAAAAAAAAAAAAAAAAAAA"
			 "AAAAAAAAAAAAAAAAA= address=10.77.0.2 psk=- opened=1 until=2 "
			 "until-boot=9000000000000 active-boot=1 idle=0 by=admin\nend 1\n";
	size_t dropped;
	bool ext;

	req.key = key;
	req.window_ns = 3600ULL * 1000000000ULL;
	assert_int_equal(ipaddr_parse_list(req.addrs, 2, "10.77.0.2,fd77::2"), 2);
	req.n_addrs = 2;
	session_init(&ss);
	assert_int_equal(session_open(&ss, &req, 1000, 1, &s, &ext), 0);
	strbuf_init(&sb);
	session_file_format(&ss, boot, 1000, 1, &sb);
	assert_non_null(strstr(sb.buf, " address=10.77.0.2,fd77::2 "));
	session_init(&back);
	assert_int_equal(
		session_file_parse(&back, sb.buf, sb.len, "sessions", boot, 1000, &dropped, err),
		0);
	s = session_find(&back, "a");
	assert_non_null(s);
	assert_int_equal(s->n_addrs, 2);
	assert_true(ipaddr_equal(&s->addrs[1], &req.addrs[1]));
	session_finish(&back);
	/* A line from before: one address. */
	session_init(&back);
	assert_int_equal(session_file_parse(&back, text, strlen(text), "sessions", boot, 1000,
					    &dropped, err),
			 0);
	assert_int_equal(session_find(&back, "a")->n_addrs, 1);
	session_finish(&back);
	strbuf_finish(&sb);
	session_finish(&ss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_families),
		cmocka_unit_test(one_family_full),
		cmocka_unit_test(old_peers_file),
		cmocka_unit_test(session_lines),
	};

	key_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}

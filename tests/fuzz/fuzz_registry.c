/* SPDX-License-Identifier: ISC */
/* Registry files: the first byte picks owners, peers, sessions or codes;
 * the rest is parsed after a fixed owners file, so peer and code lines
 * find owners to refer to. Accepted text must write back and read again
 * the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/key.h"
#include "state/registry.h"
#include "state/session_file.h"
#include "base/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char owners[] = "owner alice require-uv=no window=- idle=-\nend 1\n";

static void check_round_trip(struct registry *r, enum reg_file which)
{
	struct registry *r2 = NULL;
	struct strbuf a, b;
	char err[ERR_LEN];

	strbuf_init(&a);
	strbuf_init(&b);
	registry_format(r, which, &a);
	if (registry_create(&r2, "/nonexistent") < 0)
		goto out;
	registry_set_networks(r2, r->nets, r->n_nets);
	if (which != REG_OWNERS)
		registry_parse(r2, REG_OWNERS, owners, strlen(owners), "owners", err);
	if (!a.failed && registry_parse(r2, which, a.buf, a.len, "again", err) != 0)
		__builtin_trap();
	registry_format(r2, which, &b);
	if (!a.failed && !b.failed && strcmp(a.buf, b.buf) != 0)
		__builtin_trap();
out:
	registry_destroy(&r2);
	strbuf_finish(&a);
	strbuf_finish(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum reg_file files[] = {REG_OWNERS, REG_PEERS, REG_CODES};
	struct registry *r = NULL;
	struct ipaddr net[2];
	char err[ERR_LEN];
	enum reg_file which;

	if (size < 1)
		return 0;
	key_init();
	if (data[0] % 4 == 3) {
		struct sessions ss;
		size_t dropped;

		session_init(&ss);
		session_file_parse(&ss, (const char *)data + 1, size - 1, "sessions",
				   "01234567-89ab-cdef-0123-456789abcdef", 1000000000000ULL,
				   &dropped, err);
		session_finish(&ss);
		return 0;
	}
	which = files[data[0] % 4];
	if (registry_create(&r, "/nonexistent") < 0)
		return 0;
	/* A dual-stack interface: peers may have one address of each. */
	ipaddr_parse(&net[0], "10.77.0.1/24", true);
	ipaddr_parse(&net[1], "fd77::1/64", true);
	registry_set_networks(r, net, 2);
	if (which != REG_OWNERS)
		registry_parse(r, REG_OWNERS, owners, strlen(owners), "owners", err);
	if (registry_parse(r, which, (const char *)data + 1, size - 1, "fuzz", err) == 0)
		check_round_trip(r, which);
	registry_destroy(&r);
	return 0;
}

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateway/ctl.h"

static void request_round_trip(void **state)
{
	struct ctl_request *req = malloc(sizeof(*req));
	struct strbuf sb;
	char err[ERR_LEN];

	strbuf_init(&sb);
	ctl_add_word(&sb, "peer");
	ctl_add_word(&sb, "add");
	ctl_add_word(&sb, "laptop");
	ctl_add_field(&sb, "owner", "alice");
	ctl_add_field(&sb, "note", "a b=c%d\n");
	ctl_add_field(&sb, "empty", "");
	ctl_end_line(&sb);
	assert_string_equal(sb.buf,
			    "peer add laptop owner=alice note=a%20b%3Dc%25d%0A empty=%00\n");
	assert_int_equal(ctl_request_parse(req, sb.buf, sb.len, err), 0);
	assert_int_equal(req->nargs, 3);
	assert_string_equal(req->args[2], "laptop");
	assert_string_equal(ctl_request_opt(req, "owner"), "alice");
	assert_string_equal(ctl_request_opt(req, "note"), "a b=c%d\n");
	assert_string_equal(ctl_request_opt(req, "empty"), "");
	assert_null(ctl_request_opt(req, "window"));
	strbuf_finish(&sb);
	free(req);
}

static void bad_requests(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"peer add x owner=a owner=b",
		"peer owner=a add",
		"a\tb\x01",
		"peer add %zz",
		"peer add x Owner=a",
		"peer add x =a",
		"p\xff",
		"x y=%00%00",
		"owner=alice",
		"a=b c=d",
	};
	struct ctl_request *req = malloc(sizeof(*req));
	char err[ERR_LEN], big[CTL_MAX_REQUEST + 10];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (ctl_request_parse(req, bad[i], strlen(bad[i]), err) != -EINVAL)
			fail_msg("request %zu was accepted", i);
		assert_true(err[0] != '\0');
	}
	memset(big, 'a', sizeof(big));
	assert_int_equal(ctl_request_parse(req, big, sizeof(big), err), -EINVAL);
	assert_non_null(strstr(err, "longer than"));
	free(req);
}

static void replies(void **state)
{
	struct ctl_reply r;
	const char ok[] = "name=laptop owner=alice\nname=phone owner=a%20b\nok\n";
	const char er[] = "error no peer named 'x'\n";

	assert_int_equal(ctl_reply_parse(&r, ok, strlen(ok)), 0);
	assert_null(r.error);
	assert_int_equal(r.nrec, 2);
	assert_string_equal(ctl_record_get(&r.recs[1], "owner"), "a b");
	ctl_reply_finish(&r);
	assert_int_equal(ctl_reply_parse(&r, er, strlen(er)), 0);
	assert_string_equal(r.error, "no peer named 'x'");
	ctl_reply_finish(&r);
	assert_int_equal(ctl_reply_parse(&r, "ok", 2), -EINVAL);
	assert_int_equal(ctl_reply_parse(&r, "junk\nok\n", 8), -EINVAL);
	assert_int_equal(ctl_reply_parse(&r, "a=1\n", 4), -EINVAL);
	assert_int_equal(ctl_reply_parse(&r, "", 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_round_trip),
		cmocka_unit_test(bad_requests),
		cmocka_unit_test(replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

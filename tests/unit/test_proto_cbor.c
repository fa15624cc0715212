/* SPDX-License-Identifier: ISC */
/* The strict CBOR decoder and the enrollment URI: what they accept and refuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_uri.h"

static void sample_request(struct proto_request *r)
{
	memset(r, 0, sizeof(*r));
	r->op = PROTO_OP_ADD_KEY;
	memset(r->nonce, 3, 32);
	r->client_time = 1700000000;
	r->fields = PROTO_REQ_TARGET_NAME | PROTO_REQ_ASSERTION | PROTO_REQ_NEW_CRED;
	r->target.kind = PROTO_TARGET_NAME;
	strcpy(r->target.name, "alice-laptop");
	r->assertion.cred_id_len = PROTO_CRED_ID_MAX;
	memset(r->assertion.cred_id, 0xc1, PROTO_CRED_ID_MAX);
	r->assertion.auth_data_len = PROTO_AUTHDATA_MAX;
	r->assertion.sig_len = PROTO_SIG_MAX;
	r->cred.alg = PROTO_COSE_ES256;
	r->cred.id_len = PROTO_CRED_ID_MAX;
	r->cred.pk_len = 64;
	r->cred.sign_count = UINT32_MAX;
	r->cred.uv = true;
}

/* The largest request there is fits the fixed payload. */
static void test_request_roundtrip(void **state)
{
	uint8_t buf[PROTO_PAYLOAD_LEN];
	struct proto_request r, d;

	sample_request(&r);
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), 0);
	assert_int_equal(proto_request_decode(&d, buf, sizeof(buf)), 0);
	assert_int_equal(d.op, r.op);
	assert_int_equal(d.fields, r.fields);
	assert_string_equal(d.target.name, "alice-laptop");
	assert_int_equal(d.cred.alg, PROTO_COSE_ES256);
	assert_int_equal(d.cred.sign_count, UINT32_MAX);
	assert_true(d.cred.uv);
	assert_memory_equal(d.assertion.cred_id, r.assertion.cred_id, PROTO_CRED_ID_MAX);
}

static void test_request_shapes(void **state)
{
	uint8_t buf[PROTO_PAYLOAD_LEN];
	struct proto_request r;

	sample_request(&r);
	r.op = PROTO_OP_ACTIVATE; /* with a new credential: no */
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
	sample_request(&r);
	r.op = PROTO_OP_DEACTIVATE; /* by name: no */
	r.fields = PROTO_REQ_TARGET_NAME;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
	r.op = PROTO_OP_STATUS; /* by name: yes, another peer of the owner */
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), 0);
	r.fields = 0; /* of nobody: no */
	r.target.kind = PROTO_TARGET_NONE;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
	sample_request(&r);
	strcpy(r.target.name, "Alice"); /* upper case */
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
	sample_request(&r);
	r.cred.alg = -257; /* RS256 */
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
	sample_request(&r);
	r.cred.alg = PROTO_COSE_EDDSA; /* with a 64-byte key */
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
	sample_request(&r);
	r.assertion.sig_len = PROTO_SIG_MAX + 1;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
}

/* ENROLL may carry an assertion (of a key the owner has, signing for the
 * new one); the largest such request fits the payload too. */
static void test_request_enroll_auth(void **state)
{
	uint8_t buf[PROTO_PAYLOAD_LEN];
	struct proto_request r, d;

	sample_request(&r);
	r.op = PROTO_OP_ENROLL;
	r.fields = PROTO_REQ_TARGET_KEY | PROTO_REQ_ASSERTION | PROTO_REQ_CODE | PROTO_REQ_NEW_CRED;
	r.target.kind = PROTO_TARGET_KEY;
	memset(r.target.name, 0, sizeof(r.target.name));
	memset(r.target.key, 0x5a, KEY_LEN);
	memset(r.code, 0x77, PROTO_CODE_LEN);
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), 0);
	assert_int_equal(proto_request_decode(&d, buf, sizeof(buf)), 0);
	assert_int_equal(d.fields, r.fields);
	assert_memory_equal(d.assertion.cred_id, r.assertion.cred_id, PROTO_CRED_ID_MAX);
	assert_memory_equal(d.code, r.code, PROTO_CODE_LEN);
	/* Without it, as before. */
	r.fields &= ~(uint32_t)PROTO_REQ_ASSERTION;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), 0);
	assert_int_equal(proto_request_decode(&d, buf, sizeof(buf)), 0);
	/* Never without its code. */
	r.fields = PROTO_REQ_TARGET_KEY | PROTO_REQ_ASSERTION | PROTO_REQ_NEW_CRED;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
}

/* A client_time past PROTO_TIME_MAX is refused both ways: the gateway
 * subtracts its own clock from it in int64_t (2^63 used to overflow). */
static void test_request_time_bound(void **state)
{
	/* 2^40 as CBOR: major 0, 8-byte argument. */
	static const uint8_t at_max[] = {0x1b, 0, 0, 1, 0, 0, 0, 0, 0};
	uint8_t buf[PROTO_PAYLOAD_LEN], *p;
	struct proto_request r, d;

	sample_request(&r);
	r.client_time = PROTO_TIME_MAX;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), 0);
	assert_int_equal(proto_request_decode(&d, buf, sizeof(buf)), 0);
	assert_true(d.client_time == PROTO_TIME_MAX);
	p = memmem(buf, sizeof(buf), at_max, sizeof(at_max));
	assert_non_null(p);
	p[8] = 1; /* 2^40 + 1 */
	assert_int_equal(proto_request_decode(&d, buf, sizeof(buf)), -EBADMSG);
	p[3] = 0x80; /* 2^63 + 1 */
	p[5] = 0;
	assert_int_equal(proto_request_decode(&d, buf, sizeof(buf)), -EBADMSG);
	r.client_time = PROTO_TIME_MAX + 1;
	assert_int_equal(proto_request_encode(buf, sizeof(buf), &r), -EINVAL);
}

/* Hand-made payloads: each differs from a valid one in one way. */
static int decode_hex(const char *hex)
{
	uint8_t buf[PROTO_PAYLOAD_LEN] = {0};
	struct proto_request r;
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &buf[i]);
	return proto_request_decode(&r, buf, sizeof(buf));
}

#define NONCE                                                                                      \
	"5820"                                                                                     \
	"0303030303030303030303030303030303030303030303030303030303030303"
#define KEY                                                                                        \
	"5820"                                                                                     \
	"0404040404040404040404040404040404040404040404040404040404040404"

static void test_request_strict(void **state)
{
	/* STATUS: {1: 5, 2: nonce, 3: key, 5: 7} */
	assert_int_equal(decode_hex("a4"
				    "0105"
				    "02" NONCE "03" KEY "0507"),
			 0);
	/* 1 written as 0x18 0x05 (not the shortest form) */
	assert_int_equal(decode_hex("a4"
				    "011805"
				    "02" NONCE "03" KEY "0507"),
			 -EBADMSG);
	/* keys out of order */
	assert_int_equal(decode_hex("a4"
				    "02" NONCE "0105"
				    "03" KEY "0507"),
			 -EBADMSG);
	/* duplicate key */
	assert_int_equal(decode_hex("a5"
				    "0105"
				    "0105"
				    "02" NONCE "03" KEY "0507"),
			 -EBADMSG);
	/* unknown key 99 */
	assert_int_equal(decode_hex("a5"
				    "0105"
				    "02" NONCE "03" KEY "0507"
				    "1863"
				    "00"),
			 -EBADMSG);
	/* text key */
	assert_int_equal(decode_hex("a4"
				    "0105"
				    "02" NONCE "03" KEY "6135"
				    "07"),
			 -EBADMSG);
	/* op as a negative int */
	assert_int_equal(decode_hex("a4"
				    "0124"
				    "02" NONCE "03" KEY "0507"),
			 -EBADMSG);
	/* op 6 does not exist */
	assert_int_equal(decode_hex("a4"
				    "0106"
				    "02" NONCE "03" KEY "0507"),
			 -EBADMSG);
	/* nonce of 31 bytes */
	assert_int_equal(decode_hex("a4"
				    "0105"
				    "02581f"
				    "03030303030303030303030303030303030303030303030303030303030303"
				    "03" KEY "0507"),
			 -EBADMSG);
	/* indefinite map */
	assert_int_equal(decode_hex("bf"
				    "0105"
				    "02" NONCE "03" KEY "0507"
				    "ff"),
			 -EBADMSG);
	/* missing client_time */
	assert_int_equal(decode_hex("a3"
				    "0105"
				    "02" NONCE "03" KEY),
			 -EBADMSG);
	/* an array, not a map */
	assert_int_equal(decode_hex("83010203"), -EBADMSG);
	/* a tag around the map */
	assert_int_equal(decode_hex("d818"
				    "a4"
				    "0105"
				    "02" NONCE "03" KEY "0507"),
			 -EBADMSG);
	/* trailing garbage after the item */
	assert_int_equal(decode_hex("a4"
				    "0105"
				    "02" NONCE "03" KEY "0507"
				    "01"),
			 -EBADMSG);
	/* a value that declares a map of 3 billion pairs (libcbor would
	 * allocate for it before reading one) */
	assert_int_equal(decode_hex("a4"
				    "0105"
				    "02" NONCE "03" KEY "05"
				    "bab2d05e00"),
			 -EBADMSG);
	/* a byte string longer than the input */
	assert_int_equal(decode_hex("a4"
				    "0105"
				    "025bffffffffffffffff"
				    "03" KEY "0507"),
			 -EBADMSG);
	/* ENROLL with new_alg as a byte string */
	assert_int_equal(decode_hex("a3"
				    "0102"
				    "02" NONCE "0a"
				    "4107"),
			 -EBADMSG);
	/* nothing at all */
	assert_int_equal(decode_hex(""), -EBADMSG);
}

static void test_reply_roundtrip(void **state)
{
	uint8_t buf[PROTO_REPLY_PT_MAX];
	struct proto_reply r = {0}, d;
	size_t n = 0;

	r.status = PROTO_OK;
	r.gateway_time = 1700000000;
	r.fields = PROTO_REP_PEER | PROTO_REP_OWNER | PROTO_REP_GW_WG_KEY | PROTO_REP_WG_ENDPOINT |
		   PROTO_REP_ADDRESSES | PROTO_REP_ALLOWED_IPS | PROTO_REP_RP_ID |
		   PROTO_REP_KEY_ID | PROTO_REP_SKEW | PROTO_REP_PEER_KEY;
	strcpy(r.peer, "alice-laptop");
	strcpy(r.owner, "alice");
	memset(r.wg_endpoint, 'a', PROTO_ENDPOINT_MAX - 6);
	strcat(r.wg_endpoint, ":51820");
	memset(r.addresses, '1', PROTO_ADDRESSES_MAX);
	memset(r.allowed_ips, '2', PROTO_ALLOWED_IPS_MAX);
	memset(r.rp_id, 'r', PROTO_RP_ID_MAX);
	strcpy(r.key_id, "k1");
	r.skew = -700;
	assert_int_equal(proto_reply_encode(buf, sizeof(buf), &n, &r), 0);
	assert_int_equal(n % 64, 0);
	assert_true(36 + n + 16 + 16 <= PROTO_REQUEST_LEN);
	assert_int_equal(proto_reply_decode(&d, buf, n), 0);
	assert_int_equal(d.skew, -700);
	assert_string_equal(d.wg_endpoint, r.wg_endpoint);
	/* A newline would end up in the wg-quick config: refused. */
	r.wg_endpoint[0] = '\n';
	assert_int_equal(proto_reply_encode(buf, sizeof(buf), &n, &r), 0);
	assert_int_equal(proto_reply_decode(&d, buf, n), -EBADMSG);
	/* Wrong padding length. */
	r.wg_endpoint[0] = 'a';
	assert_int_equal(proto_reply_encode(buf, sizeof(buf), &n, &r), 0);
	assert_int_equal(proto_reply_decode(&d, buf, n - 1), -EBADMSG);
	r.status = 64; /* a client-only code cannot be sent */
	assert_int_equal(proto_reply_encode(buf, sizeof(buf), &n, &r), -EINVAL);
	/* A locked key: the code and, in key 3, the seconds until it unlocks. */
	memset(&r, 0, sizeof(r));
	r.status = PROTO_ERR_KEY_LOCKED;
	r.fields = PROTO_REP_SECONDS_LEFT;
	r.seconds_left = 840;
	assert_int_equal(proto_reply_encode(buf, sizeof(buf), &n, &r), 0);
	assert_int_equal(proto_reply_decode(&d, buf, n), 0);
	assert_int_equal(d.status, PROTO_ERR_KEY_LOCKED);
	assert_int_equal(d.seconds_left, 840);
	assert_string_equal(proto_errname(d.status), "key_locked");
	/* A code from a newer gateway still decodes: a refusal with a number. */
	r.status = 40;
	assert_int_equal(proto_reply_encode(buf, sizeof(buf), &n, &r), 0);
	assert_int_equal(proto_reply_decode(&d, buf, n), 0);
	assert_int_equal(d.status, 40);
	assert_non_null(strstr(proto_strerror(40), "code 40"));
}

/* Replaces @G and @C in tmpl. */
static void expand(char *out, size_t cap, const char *tmpl, const char *gw, const char *code)
{
	size_t n = 0;

	for (const char *p = tmpl; *p != '\0' && n + 64 < cap; p++) {
		if (p[0] == '@' && (p[1] == 'G' || p[1] == 'C')) {
			const char *v = p[1] == 'G' ? gw : code;

			memcpy(out + n, v, strlen(v));
			n += strlen(v);
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

static void test_uri(void **state)
{
	uint8_t gw[KEY_LEN], code[PROTO_CODE_LEN];
	char text[PROTO_CODE_B64_LEN + 1], uri[512], bad[600];
	struct proto_uri u;
	char why[ERR_LEN] = "";

	memset(gw, 0x42, sizeof(gw));
	proto_code_generate(code, text);
	assert_int_equal(strlen(text), PROTO_CODE_B64_LEN);
	assert_int_equal(proto_uri_format(uri, sizeof(uri), "vpn.example.org", 51821, gw, code,
					  NULL, "alice-laptop"),
			 0);
	assert_int_equal(proto_uri_parse(&u, uri, why), 0);
	assert_string_equal(u.host, "vpn.example.org");
	assert_int_equal(u.port, 51821);
	assert_memory_equal(u.gw_pub, gw, KEY_LEN);
	assert_memory_equal(u.code, code, PROTO_CODE_LEN);
	assert_string_equal(u.rp_id, PROTO_DEFAULT_RP_ID);
	assert_string_equal(u.name, "alice-laptop");
	assert_non_null(strstr(uri, text));

	assert_int_equal(proto_uri_format(uri, sizeof(uri), "2001:db8::1", 9, gw, code,
					  "vpn.example.org", NULL),
			 0);
	assert_int_equal(proto_uri_parse(&u, uri, why), 0);
	assert_string_equal(u.host, "2001:db8::1");
	assert_string_equal(u.rp_id, "vpn.example.org");
	assert_string_equal(u.name, "");

	static const char *const invalid[] = {
		"http://h:1/?gw=@G&code=@C",
		"keygate://h/?gw=@G&code=@C",
		"keygate://h:0/?gw=@G&code=@C",
		"keygate://h:65536/?gw=@G&code=@C",
		"keygate://h:1x/?gw=@G&code=@C",
		"keygate://-h:1/?gw=@G&code=@C",
		"keygate://[::1:1/?gw=@G&code=@C",
		"keygate://[zz]:1/?gw=@G&code=@C",
		"keygate://h:1?gw=@G&code=@C",
		"keygate://h:1/x?gw=@G&code=@C",
		"keygate://h:1/?gw=@G&code=@C&x=1",
		"keygate://h:1/?gw=@G&code=@C&",
		"keygate://h:1/?gw=@G&code=@C#f",
		"keygate://h:1/?gw=@G&code=@C&name=Bad",
		"keygate://h:1/?gw=@G&code=@C&gw=x",
		"keygate://h:1/?gw=@G&code=@CA",
		"keygate://h:1/?gw=@GA&code=@C",
		"keygate://h:1/?gw=@G&code=%41@C",
		"keygate://h:1/?gw=@G",
		"keygate://h:1/?gw=@G&code=@C&rp=a b",
	};
	static const char b64url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char gwtext[64];

	sodium_bin2base64(gwtext, sizeof(gwtext), gw, KEY_LEN,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	expand(bad, sizeof(bad), "keygate://h:1/?code=@C&gw=@G", gwtext, text);
	assert_int_equal(proto_uri_parse(&u, bad, why), 0);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		expand(bad, sizeof(bad), invalid[i], gwtext, text);
		why[0] = '\0';
		if (proto_uri_parse(&u, bad, why) != -EINVAL)
			fail_msg("accepted: %s", bad);
		assert_true(why[0] != '\0');
	}
	/* Non-zero unused bits in the last character of gw: another text for
	 * the same key, refused so that each key has one spelling. */
	gwtext[42] = b64url[(strchr(b64url, gwtext[42]) - b64url) ^ 1];
	expand(bad, sizeof(bad), "keygate://h:1/?gw=@G&code=@C", gwtext, text);
	assert_int_equal(proto_uri_parse(&u, bad, why), -EINVAL);
}

/* The owner's keys in the URI: key=, repeated, up to four. */
static void test_uri_keys(void **state)
{
	uint8_t gw[KEY_LEN], code[PROTO_CODE_LEN], id[PROTO_CRED_ID_MAX + 1];
	char uri[PROTO_URI_MAX], bad[PROTO_URI_MAX + 64], text[PROTO_CODE_B64_LEN + 1], *k;
	struct proto_uri u;
	char why[ERR_LEN];

	memset(gw, 0x42, sizeof(gw));
	proto_code_generate(code, text);
	assert_int_equal(proto_uri_format(uri, sizeof(uri), "vpn.example.org", 51821, gw, code,
					  NULL, "alice-laptop"),
			 0);
	for (int i = 0; i < PROTO_URI_KEYS_MAX; i++) {
		memset(id, 0x10 + i, sizeof(id));
		assert_int_equal(proto_uri_add_key(uri, sizeof(uri), id,
						   i == 0 ? PROTO_CRED_ID_MAX : 16 + (size_t)i),
				 0);
	}
	assert_int_equal(proto_uri_parse(&u, uri, why), 0);
	assert_int_equal(u.n_keys, PROTO_URI_KEYS_MAX);
	assert_int_equal(u.keys[0].len, PROTO_CRED_ID_MAX);
	assert_int_equal(u.keys[3].len, 19);
	assert_int_equal(u.keys[3].id[18], 0x13);
	/* A fifth is one too many. */
	snprintf(bad, sizeof(bad), "%s&key=AAAA", uri);
	assert_int_equal(proto_uri_parse(&u, bad, why), -EINVAL);
	assert_string_equal(why, "bad key");
	/* Too long, empty, not base64url, or a second spelling of a value. */
	assert_int_equal(proto_uri_format(uri, sizeof(uri), "h", 1, gw, code, NULL, NULL), 0);
	assert_int_equal(proto_uri_add_key(uri, sizeof(uri), id, PROTO_CRED_ID_MAX + 1), -EINVAL);
	k = uri + strlen(uri);
	for (size_t i = 0; i < 4; i++) {
		static const char *const keys[] = {"&key=", "&key=A", "&key=AA+A", "&key=AB"};

		snprintf(k, sizeof(uri) - (size_t)(k - uri), "%s", keys[i]);
		if (proto_uri_parse(&u, uri, why) != -EINVAL)
			fail_msg("accepted: %s", uri);
	}
	snprintf(k, sizeof(uri) - (size_t)(k - uri), "&key=AA");
	assert_int_equal(proto_uri_parse(&u, uri, why), 0);
	assert_int_equal(u.n_keys, 1);
	assert_int_equal(u.keys[0].len, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_roundtrip),   cmocka_unit_test(test_request_shapes),
		cmocka_unit_test(test_request_time_bound),  cmocka_unit_test(test_request_strict),
		cmocka_unit_test(test_reply_roundtrip),     cmocka_unit_test(test_uri),
		cmocka_unit_test(test_request_enroll_auth), cmocka_unit_test(test_uri_keys),
	};

	if (key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

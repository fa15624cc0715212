/* SPDX-License-Identifier: ISC */
/*
 * The protocol's error codes against themselves and against the table of
 * docs/protocol.md 8: a number given twice (two branches that each took
 * the next free one) or a name the docs spell otherwise fails here, before
 * an old client prints the wrong refusal.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/proto.h"

#define CODES 128

static bool named(int code)
{
	return strcmp(proto_errname(code), "unknown") != 0;
}

static void codes_distinct(void **state)
{
	(void)state;
	for (int a = 0; a < CODES; a++) {
		if (!named(a))
			continue;
		for (int b = a + 1; b < CODES; b++) {
			if (!named(b))
				continue;
			if (strcmp(proto_errname(a), proto_errname(b)) == 0)
				fail_msg("codes %d and %d are both '%s'", a, b, proto_errname(a));
			if (strcmp(proto_strerror(a), proto_strerror(b)) == 0)
				fail_msg("codes %d and %d print the same line", a, b);
		}
	}
}

/* Every wire code up to the highest sent has a name: a gap would reach a
 * client as "unknown" from a gateway of this very version. */
static void wire_codes_dense(void **state)
{
	(void)state;
	for (int c = 0; c <= PROTO_ERR_WIRE_MAX; c++)
		if (!named(c))
			fail_msg("wire code %d has no name", c);
	for (int c = PROTO_ERR_WIRE_MAX + 1; c <= PROTO_ERR_SEND_MAX; c++)
		if (named(c))
			fail_msg("code %d is named but above PROTO_ERR_WIRE_MAX", c);
}

/* "| 22 | STATE_NOT_SAVED | reply | ...": code, lower-case name, where it travels. */
static bool table_row(const char *line, int *code, char *name, size_t cap, char *where, size_t wcap)
{
	char *end;
	long n;
	size_t i = 0;

	if (strncmp(line, "| ", 2) != 0 || !isdigit((unsigned char)line[2]))
		return false;
	n = strtol(line + 2, &end, 10);
	if (strncmp(end, " | ", 3) != 0)
		return false; /* a range, "26–63" */
	end += 3;
	while (*end != ' ' && *end != '\0' && i + 1 < cap)
		name[i++] = (char)tolower((unsigned char)*end++);
	name[i] = '\0';
	if (strncmp(end, " | ", 3) != 0)
		return false;
	end += 3;
	for (i = 0; strncmp(end, " |", 2) != 0 && *end != '\0' && i + 1 < wcap;)
		where[i++] = *end++;
	where[i] = '\0';
	*code = (int)n;
	return true;
}

static void docs_agree(void **state)
{
	const char *path = getenv("PROTOCOL_MD");
	bool seen[CODES] = {false}, in_table = false;
	char line[512], name[64], where[32];
	FILE *f;
	int code;

	(void)state;
	if (path == NULL)
		skip();
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "| code | name | where |", 22) == 0) {
			in_table = true;
			continue;
		}
		if (in_table && line[0] != '|')
			break;
		if (!in_table || !table_row(line, &code, name, sizeof(name), where, sizeof(where)))
			continue;
		if (code < 0 || code >= CODES)
			fail_msg("docs: code %d out of range", code);
		if (seen[code])
			fail_msg("docs: code %d listed twice", code);
		seen[code] = true;
		if (strcmp(proto_errname(code), name) != 0)
			fail_msg("docs say code %d is '%s', proto_errname says '%s'", code, name,
				 proto_errname(code));
		if (code > 0 && code <= PROTO_ERR_WIRE_MAX &&
		    proto_err_is_plain(code) != (strstr(where, "plain") != NULL))
			fail_msg("docs say code %d travels as '%s'", code, where);
	}
	fclose(f);
	if (!in_table)
		fail_msg("docs: no table of error codes in %s", path);
	for (int c = 0; c < CODES; c++)
		if (named(c) && !seen[c])
			fail_msg("code %d (%s) is missing from the docs' table", c,
				 proto_errname(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_distinct),
		cmocka_unit_test(wire_codes_dense),
		cmocka_unit_test(docs_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

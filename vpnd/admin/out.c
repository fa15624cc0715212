/* SPDX-License-Identifier: ISC */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/out.h"
#include "base/duration.h"
#include "base/strbuf.h"

/* Fields whose values are counts or seconds: numbers in JSON. */
static const char *const numeric[] = {
	"left",    "peers",       "owners",       "enabled",           "sessions",
	"keys",    "counter",     "uptime",       "listen-port",       "activation-port",
	"refused", "locked-left", "netchild-pid", "netchild-restarts", "netchild-violations",
	NULL,
};

static bool digits(const char *v)
{
	return v[0] != '\0' && strspn(v, "0123456789") == strlen(v);
}

/* Every act-* field of `vpnd status` is a counter. */
static bool is_numeric(const char *key, const char *v)
{
	if (strncmp(key, "act-", 4) == 0)
		return digits(v);
	for (int i = 0; numeric[i] != NULL; i++)
		if (strcmp(numeric[i], key) == 0)
			return digits(v);
	return false;
}

#define ID_LEN       32 /* hex digits of a key ID */
#define ID_SHOWN_MIN 12

/* Columns that hold key IDs: a table shows them cut to a prefix. */
static bool id_column(const char *key)
{
	return strcmp(key, "id") == 0 || strcmp(key, "by-key") == 0 ||
	       strcmp(key, "cascade-of") == 0;
}

static bool is_id(const char *v)
{
	return v != NULL && strlen(v) == ID_LEN && strspn(v, "0123456789abcdef") == ID_LEN;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The prefix length that tells every key ID of the table from every
 * other (at least ID_SHOWN_MIN), so that what people copy from the table
 * names one key; JSON has them whole. */
static size_t id_shown(const struct ctl_reply *r, const char *const *cols)
{
	const char **v = calloc((size_t)r->nrec * 3 + 1, sizeof(*v));
	size_t n = 0, shown = ID_SHOWN_MIN;

	if (v == NULL)
		return ID_LEN;
	for (int i = 0; i < r->nrec; i++) {
		for (size_t c = 0; cols[c] != NULL && n < (size_t)r->nrec * 3; c++) {
			const char *x = ctl_record_get(&r->recs[i], cols[c]);

			if (id_column(cols[c]) && is_id(x))
				v[n++] = x;
		}
	}
	qsort(v, n, sizeof(*v), str_cmp);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < ID_LEN && v[i][k] == v[i - 1][k])
			k++;
		if (k < ID_LEN && k + 1 > shown)
			shown = k + 1;
	}
	free(v);
	return shown;
}

/* What people see in a table cell. */
static void cell(char *out, size_t len, const char *key, const char *v, size_t idlen)
{
	if (v == NULL)
		v = "-";
	if ((strcmp(key, "left") == 0 || strcmp(key, "locked-left") == 0) && digits(v))
		duration_format_approx(out, len, strtoull(v, NULL, 10));
	else if (id_column(key) && is_id(v))
		snprintf(out, len, "%.*s", (int)idlen, v);
	else
		snprintf(out, len, "%s", v);
}

void out_table(FILE *f, const struct ctl_reply *r, const char *const *cols)
{
	size_t ncols = 0, *width, idlen = id_shown(r, cols);
	char buf[512];

	while (cols[ncols] != NULL)
		ncols++;
	width = calloc(ncols, sizeof(*width));
	if (width == NULL)
		return;
	for (size_t c = 0; c < ncols; c++) {
		width[c] = strlen(cols[c]);
		for (int i = 0; i < r->nrec; i++) {
			cell(buf, sizeof(buf), cols[c], ctl_record_get(&r->recs[i], cols[c]),
			     idlen);
			if (strlen(buf) > width[c])
				width[c] = strlen(buf);
		}
	}
	for (size_t c = 0; c < ncols; c++) {
		for (const char *p = cols[c]; *p != '\0'; p++)
			fputc(toupper((unsigned char)*p), f);
		fprintf(f, "%*s", c + 1 < ncols ? (int)(width[c] - strlen(cols[c]) + 2) : 0, "");
	}
	fputc('\n', f);
	for (int i = 0; i < r->nrec; i++) {
		for (size_t c = 0; c < ncols; c++) {
			cell(buf, sizeof(buf), cols[c], ctl_record_get(&r->recs[i], cols[c]),
			     idlen);
			if (c + 1 < ncols)
				fprintf(f, "%-*s  ", (int)width[c], buf);
			else
				fprintf(f, "%s", buf);
		}
		fputc('\n', f);
	}
	free(width);
}

void out_show(FILE *f, const struct ctl_reply *r)
{
	char buf[512];
	int w = 0;

	if (r->nrec == 0)
		return;
	for (int i = 0; i < r->recs[0].n; i++)
		if ((int)strlen(r->recs[0].keys[i]) > w)
			w = (int)strlen(r->recs[0].keys[i]);
	for (int i = 0; i < r->recs[0].n; i++) {
		cell(buf, sizeof(buf), r->recs[0].keys[i], r->recs[0].vals[i], ID_LEN);
		fprintf(f, "%s:%*s %s\n", r->recs[0].keys[i], w - (int)strlen(r->recs[0].keys[i]),
			"", buf);
	}
}

static void json_record(struct strbuf *sb, const struct ctl_record *rec)
{
	strbuf_puts(sb, "{");
	for (int i = 0; i < rec->n; i++) {
		if (i > 0)
			strbuf_puts(sb, ", ");
		strbuf_json_string(sb, rec->keys[i]);
		strbuf_puts(sb, ": ");
		if (is_numeric(rec->keys[i], rec->vals[i]))
			strbuf_puts(sb, rec->vals[i]);
		else if (strcmp(rec->vals[i], "-") == 0)
			strbuf_puts(sb, "null");
		else
			strbuf_json_string(sb, rec->vals[i]);
	}
	strbuf_puts(sb, "}");
}

void out_json(FILE *f, const struct ctl_reply *r, int as_array)
{
	struct strbuf sb;

	strbuf_init(&sb);
	if (as_array) {
		strbuf_puts(&sb, "[");
		for (int i = 0; i < r->nrec; i++) {
			strbuf_puts(&sb, i > 0 ? ",\n " : "");
			json_record(&sb, &r->recs[i]);
		}
		strbuf_puts(&sb, "]\n");
	} else if (r->nrec > 0) {
		json_record(&sb, &r->recs[0]);
		strbuf_puts(&sb, "\n");
	} else {
		strbuf_puts(&sb, "{}\n");
	}
	if (!sb.failed)
		fputs(sb.buf, f);
	strbuf_finish(&sb);
}

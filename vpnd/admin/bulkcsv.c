/* SPDX-License-Identifier: ISC */
/* The CSV of peer add --from (bulkcsv.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "admin/bulkcsv.h"

#define LINE_MAX_LEN 512

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line (NUL-terminated, trimmed) into r. */
static int parse_row(char *line, struct bulkcsv_row *r, const char *name, unsigned n,
		     char err[ERR_LEN])
{
	char *f[3];
	int nf = 0;

	for (char *p = line;; p++) {
		char *comma = strchr(p, ',');

		if (nf == 3) {
			text_err(err, "%s:%u: expected name,owner,kind", name, n);
			return -EINVAL;
		}
		if (comma != NULL)
			*comma = '\0';
		f[nf++] = trim(p);
		if (comma == NULL)
			break;
		p = comma;
	}
	if (nf != 3) {
		text_err(err, "%s:%u: expected name,owner,kind", name, n);
		return -EINVAL;
	}
	for (int i = 0; i < 2; i++) {
		if (!text_valid_name(f[i])) {
			text_err(err, "%s:%u: invalid %s '%s': 1 to 32 of A-Z a-z 0-9 . _ - @ +",
				 name, n, i == 0 ? "name" : "owner", f[i]);
			return -EINVAL;
		}
	}
	if (strcmp(f[2], "laptop") != 0 && strcmp(f[2], "mobile") != 0) {
		text_err(err, "%s:%u: invalid kind '%s': expected laptop or mobile", name, n, f[2]);
		return -EINVAL;
	}
	snprintf(r->name, sizeof(r->name), "%s", f[0]);
	snprintf(r->owner, sizeof(r->owner), "%s", f[1]);
	r->mobile = strcmp(f[2], "mobile") == 0;
	r->line = n;
	return 0;
}

int bulkcsv_parse(struct bulkcsv_row *rows, size_t max, size_t *n, const char *text, size_t len,
		  const char *name, char err[ERR_LEN])
{
	char buf[LINE_MAX_LEN + 1];
	unsigned lineno = 0;
	bool first = true;
	size_t off = 0;

	*n = 0;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
		char *line;

		lineno++;
		if (l > LINE_MAX_LEN || memchr(text + off, '\0', l) != NULL) {
			text_err(err, "%s:%u: %s", name, lineno,
				 l > LINE_MAX_LEN ? "line too long" : "a NUL byte");
			return -EINVAL;
		}
		memcpy(buf, text + off, l);
		buf[l] = '\0';
		off += l + (nl != NULL);
		line = trim(buf);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (first && strncasecmp(line, "name,", 5) == 0) {
			first = false;
			continue;
		}
		first = false;
		if (*n == max) {
			text_err(err, "%s:%u: more than %zu peers", name, lineno, max);
			return -EINVAL;
		}
		if (parse_row(line, &rows[*n], name, lineno, err) < 0)
			return -EINVAL;
		for (size_t i = 0; i < *n; i++) {
			if (strcmp(rows[i].name, rows[*n].name) == 0) {
				text_err(err, "%s:%u: peer '%s' is on line %u already", name,
					 lineno, rows[i].name, rows[i].line);
				return -EINVAL;
			}
		}
		(*n)++;
	}
	if (*n == 0) {
		text_err(err, "%s: no peers", name);
		return -EINVAL;
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* peer add --from FILE / --sheet DIR (bulk.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "admin/bulk.h"
#include "admin/bulkcsv.h"
#include "admin/sheet.h"
#include "base/atomicfile.h"
#include "base/strbuf.h"
#include "config.h"
#include "gateway/conf.h"
#include "gateway/ctl.h"

struct row {
	char name[NAME_MAX_LEN + 1];
	char owner[NAME_MAX_LEN + 1];
	bool mobile;
	unsigned line;
	bool added;
	char *link; /* the enrollment link: the web page's, else enroll's */
};

struct bulk {
	const char *conf_path, *from, *sheet, *owner;
	bool mobile;
	struct row *rows;
	size_t n;
	struct conf conf;
};

static void usage(FILE *f)
{
	fputs("Usage: vpnd peer add --from FILE [--sheet DIR] [-c CONF]\n"
	      "       vpnd peer add NAME --owner USER [--mobile] --sheet DIR [-c CONF]\n"
	      "  FILE: one peer a line, name,owner,kind (kind laptop or mobile; a header\n"
	      "  line and lines starting with # are skipped). Every line is checked and no\n"
	      "  peer may exist before any is added; when one cannot be added, those added\n"
	      "  are removed again. Prints NAME LINK a peer; --sheet DIR writes DIR/NAME.svg,\n"
	      "  a page for the owner with the link as text and QR code (mode 0600: the link\n"
	      "  enrolls a key until it is used).\n",
	      f);
}

bool bulk_wanted(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strncmp(argv[i], "--from", 6) == 0 || strncmp(argv[i], "--sheet", 7) == 0)
			return true;
	}
	return false;
}

/* FILE into b->rows, all checked (bulkcsv.h); -errno after a message. */
static int read_rows(struct bulk *b)
{
	struct bulkcsv_row *csv = NULL;
	char *text = malloc(BULKCSV_FILE_MAX + 1), err[ERR_LEN];
	FILE *f = fopen(b->from, "re");
	size_t len = 0, n = 0;
	int ret = -ENOMEM;

	if (f == NULL) {
		ret = -errno;
		fprintf(stderr, "vpnd: cannot open %s: %s\n", b->from, strerror(errno));
		goto out;
	}
	if (text == NULL || (csv = calloc(BULKCSV_MAX_ROWS, sizeof(*csv))) == NULL)
		goto out;
	len = fread(text, 1, BULKCSV_FILE_MAX + 1, f);
	if (ferror(f) || len > BULKCSV_FILE_MAX) {
		ret = ferror(f) ? -EIO : -EFBIG;
		fprintf(stderr, "vpnd: %s: %s\n", b->from,
			ferror(f) ? strerror(EIO) : "larger than 1 MiB");
		goto out;
	}
	ret = bulkcsv_parse(csv, BULKCSV_MAX_ROWS, &n, text, len, b->from, err);
	if (ret < 0) {
		fprintf(stderr, "vpnd: %s\n", err);
		goto out;
	}
	ret = -ENOMEM;
	if ((b->rows = calloc(n, sizeof(*b->rows))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		snprintf(b->rows[i].name, sizeof(b->rows[i].name), "%s", csv[i].name);
		snprintf(b->rows[i].owner, sizeof(b->rows[i].owner), "%s", csv[i].owner);
		b->rows[i].mobile = csv[i].mobile;
		b->rows[i].line = csv[i].line;
	}
	b->n = n;
	ret = 0;
out:
	if (f != NULL)
		fclose(f);
	free(text);
	free(csv);
	return ret;
}

/* One request; the reply in *r (finish it). 0, or -1 after err. */
static int call(struct bulk *b, const char *w1, const char *w2, const char *name,
		const struct row *row, struct ctl_reply *r, char err[ERR_LEN])
{
	struct strbuf req;
	int ret;

	strbuf_init(&req);
	ctl_add_word(&req, w1);
	ctl_add_word(&req, w2);
	if (name != NULL)
		ctl_add_word(&req, name);
	if (row != NULL) {
		ctl_add_field(&req, "owner", row->owner);
		if (row->mobile)
			ctl_add_field(&req, "kind", "mobile");
	}
	ctl_end_line(&req);
	ret = req.failed ? -ENOMEM : ctl_call(b->conf.control_socket, req.buf, r, err);
	if (req.failed)
		text_err(err, "out of memory");
	strbuf_finish(&req);
	if (ret == 0 && r->error != NULL) {
		text_err(err, "%s", r->error);
		ret = -EINVAL;
	}
	return ret;
}

/* Refuses before any change when a peer of the file exists already. */
static int check_absent(struct bulk *b)
{
	struct ctl_reply r = {0};
	char err[ERR_LEN];
	int ret = call(b, "peer", "list", NULL, NULL, &r, err);

	if (ret < 0) {
		fprintf(stderr, "vpnd: %s\n", err);
		ctl_reply_finish(&r);
		return ret;
	}
	for (int i = 0; i < r.nrec && ret == 0; i++) {
		const char *name = ctl_record_get(&r.recs[i], "name");

		for (size_t j = 0; name != NULL && j < b->n; j++) {
			if (strcmp(b->rows[j].name, name) == 0) {
				fprintf(stderr, "vpnd: %s:%u: peer '%s' exists already\n",
					b->from != NULL ? b->from : "-", b->rows[j].line, name);
				ret = -EEXIST;
				break;
			}
		}
	}
	ctl_reply_finish(&r);
	return ret;
}

static void rollback(struct bulk *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++) {
		struct ctl_reply r = {0};
		char err[ERR_LEN], path[PATH_MAX];

		if (!b->rows[i].added)
			continue;
		if (call(b, "peer", "remove", b->rows[i].name, NULL, &r, err) < 0)
			fprintf(stderr, "vpnd: cannot remove %s again: %s\n", b->rows[i].name, err);
		else
			n++;
		ctl_reply_finish(&r);
		if (b->sheet != NULL) {
			snprintf(path, sizeof(path), "%s/%s.svg", b->sheet, b->rows[i].name);
			unlink(path);
		}
	}
	if (n > 0)
		fprintf(stderr,
			"vpnd: removed the %zu peer%s added before it again (owners made for them "
			"stay, without peers)\n",
			n, n == 1 ? "" : "s");
}

static int add_all(struct bulk *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct row *row = &b->rows[i];
		struct ctl_reply r = {0};
		char err[ERR_LEN];
		const char *link = NULL;

		if (call(b, "peer", "add", row->name, row, &r, err) < 0) {
			fprintf(stderr, "vpnd: %s:%u: %s: %s\n", b->from != NULL ? b->from : "-",
				row->line, row->name, err);
			ctl_reply_finish(&r);
			return -EINVAL;
		}
		row->added = true;
		if (r.nrec > 0) {
			link = ctl_record_get(&r.recs[0], "web-uri");
			if (link == NULL)
				link = ctl_record_get(&r.recs[0], "uri");
		}
		row->link = link != NULL ? strdup(link) : NULL;
		ctl_reply_finish(&r);
		if (link != NULL && row->link == NULL)
			return -ENOMEM;
	}
	return 0;
}

static int write_sheets(struct bulk *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct row *row = &b->rows[i];
		char path[PATH_MAX], err[ERR_LEN];
		struct strbuf sb;
		int ret;

		if (row->link == NULL) {
			fprintf(stderr, "vpnd: %s has no enrollment link to print\n", row->name);
			return -ENOENT;
		}
		strbuf_init(&sb);
		ret = sheet_svg(&sb, row->owner, row->name, row->link, row->mobile, err);
		if (ret == 0) {
			snprintf(path, sizeof(path), "%s/%s.svg", b->sheet, row->name);
			ret = atomicfile_write(path, sb.buf, sb.len, 0600);
			if (ret < 0)
				text_err(err, "cannot write %s: %s", path, strerror(-ret));
		}
		sodium_memzero(sb.buf, sb.len);
		strbuf_finish(&sb);
		if (ret < 0) {
			fprintf(stderr, "vpnd: %s\n", err);
			return ret;
		}
	}
	return 0;
}

static int parse_args(struct bulk *b, int argc, char **argv)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"from", required_argument, NULL, 'f'},
		{"sheet", required_argument, NULL, 's'},
		{"owner", required_argument, NULL, 'o'},
		{"mobile", no_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			b->conf_path = optarg;
			break;
		case 'f':
			b->from = optarg;
			break;
		case 's':
			b->sheet = optarg;
			break;
		case 'o':
			b->owner = optarg;
			break;
		case 'm':
			b->mobile = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (b->from != NULL ? (optind != argc || b->owner != NULL || b->mobile)
			    : (optind + 1 != argc || b->owner == NULL)) {
		usage(stderr);
		return -EINVAL;
	}
	if (b->from == NULL) {
		if (!text_valid_name(argv[optind]) || !text_valid_name(b->owner)) {
			fprintf(stderr,
				"vpnd: invalid name '%s': 1 to 32 of A-Z a-z 0-9 . _ - @ +\n",
				text_valid_name(argv[optind]) ? b->owner : argv[optind]);
			return -EINVAL;
		}
		b->rows = calloc(1, sizeof(*b->rows));
		if (b->rows == NULL)
			return -ENOMEM;
		snprintf(b->rows[0].name, sizeof(b->rows[0].name), "%s", argv[optind]);
		snprintf(b->rows[0].owner, sizeof(b->rows[0].owner), "%s", b->owner);
		b->rows[0].mobile = b->mobile;
		b->n = 1;
	}
	return 0;
}

int bulk_main(int argc, char **argv)
{
	struct bulk b = {.conf_path = VPND_DEFAULT_CONF};
	char err[ERR_LEN];
	int ret = parse_args(&b, argc, argv), code = 1;

	if (ret != 0) {
		free(b.rows);
		return ret > 0 ? 0 : 2;
	}
	if (b.from != NULL && read_rows(&b) < 0) {
		free(b.rows);
		return 1;
	}
	if (conf_load(&b.conf, b.conf_path, err) < 0) {
		fprintf(stderr, "vpnd: %s\n", err);
		free(b.rows);
		return 1;
	}
	if (check_absent(&b) < 0)
		goto out;
	if (b.sheet != NULL && (ret = atomicfile_mkdirs(b.sheet, 0700)) < 0) {
		fprintf(stderr, "vpnd: cannot make %s: %s\n", b.sheet, strerror(-ret));
		goto out;
	}
	if (add_all(&b) < 0 || (b.sheet != NULL && write_sheets(&b) < 0)) {
		rollback(&b);
		goto out;
	}
	for (size_t i = 0; i < b.n; i++)
		printf("%s %s\n", b.rows[i].name, b.rows[i].link != NULL ? b.rows[i].link : "-");
	if (b.sheet != NULL)
		fprintf(stderr, "vpnd: %zu sheet%s in %s\n", b.n, b.n == 1 ? "" : "s", b.sheet);
	code = 0;
out:
	for (size_t i = 0; i < b.n; i++) {
		if (b.rows[i].link != NULL) {
			sodium_memzero(b.rows[i].link, strlen(b.rows[i].link));
			free(b.rows[i].link);
		}
	}
	free(b.rows);
	conf_finish(&b.conf);
	return code;
}

/* SPDX-License-Identifier: ISC */
/* vpnd store (store.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/store.h"
#include "base/atomicfile.h"
#include "base/clock.h"
#include "base/strbuf.h"
#include "config.h"
#include "gateway/conf.h"
#include "state/journal.h"
#include "state/registry.h"
#include "store/pgstore.h"

static const enum reg_file order[PGSTORE_FILES] = {REG_OWNERS, REG_PEERS, REG_CODES};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vpnd store migrate [-c CONF]\n"
		   "       vpnd store import [-c CONF] [--from DIR] [--replace]\n"
		   "       vpnd store export [-c CONF] [--to DIR]\n"
		   "migrate brings the database of [Store] Connection to this vpnd's schema.\n"
		   "import puts the registry files of DIR (default: StateDirectory) in it, with\n"
		   "vpnd stopped; a database with a registry already only with --replace.\n"
		   "export writes the database's registry to the files of DIR (default:\n"
		   "StateDirectory), each replaced whole.\n");
}

/* The files' texts as a load leaves them: checked line by line, the
 * journal's counters applied, old key IDs in their long form. What that
 * changed is taken from the registry, the rest as it is. Not the
 * addresses registry_load fills in for a dual-stack interface (they need
 * the interface's networks): the first vpnd to load the store does, and
 * pushes them. */
static int read_files(const char *dir, struct strbuf text[PGSTORE_FILES], char err[ERR_LEN])
{
	struct registry *r = NULL;
	struct journal_stats st = {0};
	char path[PATH_MAX + 16], boot[BOOT_ID_LEN + 1] = "";
	unsigned changed;
	char *jt = NULL;
	size_t jlen = 0;
	int ret;

	ret = registry_create(&r, dir);
	if (ret < 0)
		return ret;
	for (int f = 0; f < PGSTORE_FILES; f++) {
		char *t = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, registry_file_name(order[f]));
		ret = atomicfile_read(path, &t, &len, REG_FILE_MAX);
		if (ret == -ENOENT)
			ret = 0;
		else if (ret < 0)
			text_err(err, "cannot read %s: %s", path, strerror(-ret));
		else if ((ret = registry_parse(r, order[f], t, len, path, err)) == 0)
			strbuf_add(&text[f], t, len);
		free(t);
		if (ret < 0)
			goto out;
	}
	changed = r->repaired;
	snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_NAME);
	ret = atomicfile_read(path, &jt, &jlen, JOURNAL_FILE_MAX);
	if (ret == 0) {
		clock_boot_id(boot);
		ret = journal_replay(jt, jlen, r, NULL, boot, clock_boot_ns(), &st, err);
		free(jt);
		if (ret < 0)
			goto out;
		if (st.applied > 0)
			changed |= REG_OWNERS;
	} else if (ret != -ENOENT) {
		text_err(err, "cannot read %s: %s", path, strerror(-ret));
		goto out;
	}
	ret = 0;
	for (int f = 0; f < PGSTORE_FILES; f++)
		if (changed & order[f]) {
			strbuf_reset(&text[f]);
			registry_format(r, order[f], &text[f]);
		}
out:
	registry_destroy(&r);
	return ret;
}

static int do_import(struct pgstore *s, const char *dir, bool replace, char err[ERR_LEN])
{
	struct strbuf text[PGSTORE_FILES];
	const char *t[PGSTORE_FILES];
	size_t len[PGSTORE_FILES];
	int ret;

	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_init(&text[f]);
	ret = read_files(dir, text, err);
	for (int f = 0; ret == 0 && f < PGSTORE_FILES; f++) {
		if (strbuf_error(&text[f]) < 0)
			ret = -ENOMEM;
		t[f] = text[f].buf != NULL ? text[f].buf : "";
		len[f] = text[f].len;
	}
	if (ret == 0)
		ret = pgstore_import(s, t, len, replace, err);
	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_finish(&text[f]);
	return ret;
}

static int do_export(struct pgstore *s, const char *dir, char err[ERR_LEN])
{
	struct strbuf text[PGSTORE_FILES];
	struct registry *r = NULL;
	char path[PATH_MAX + 16];
	int ret;

	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_init(&text[f]);
	ret = pgstore_export(s, text, err);
	/* What goes to disk must load: checked before anything is written. */
	if (ret == 0)
		ret = registry_create(&r, dir);
	for (int f = 0; ret == 0 && f < PGSTORE_FILES; f++)
		ret = registry_parse(r, order[f], text[f].buf, text[f].len,
				     registry_file_name(order[f]), err);
	if (ret == 0 && (ret = atomicfile_mkdirs(dir, 0700)) < 0)
		text_err(err, "cannot create %s: %s", dir, strerror(-ret));
	for (int f = 0; ret == 0 && f < PGSTORE_FILES; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, registry_file_name(order[f]));
		ret = atomicfile_write(path, text[f].buf, text[f].len, 0600);
		if (ret < 0)
			text_err(err, "cannot write %s: %s", path, strerror(-ret));
	}
	registry_destroy(&r);
	for (int f = 0; f < PGSTORE_FILES; f++)
		strbuf_finish(&text[f]);
	return ret;
}

int store_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"conf", required_argument, NULL, 'c'}, {"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},   {"replace", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},       {0},
	};
	const char *conf_path = VPND_DEFAULT_CONF, *dir = NULL, *verb;
	char err[ERR_LEN] = "";
	struct pgstore *s = NULL;
	bool replace = false;
	struct conf c;
	int opt, ret, from, to;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
		case 't':
			dir = optarg;
			break;
		case 'r':
			replace = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	verb = argv[optind];
	if (strcmp(verb, "migrate") != 0 && strcmp(verb, "import") != 0 &&
	    strcmp(verb, "export") != 0) {
		fprintf(stderr, "vpnd store: unknown command '%s'\n", verb);
		usage(stderr);
		return 2;
	}
	if (conf_load(&c, conf_path, err) < 0) {
		fprintf(stderr, "vpnd store: %s\n", err);
		return 1;
	}
	conf_finish(&c); /* the gateway's key is not needed here */
	if (c.store.type != STORE_POSTGRESQL) {
		fprintf(stderr, "vpnd store: %s has no [Store] Type = postgresql\n", conf_path);
		return 1;
	}
	if (dir == NULL)
		dir = c.state_dir;
	ret = pgstore_open(&s, c.store.connection, err);
	if (ret == 0 && strcmp(verb, "migrate") == 0) {
		ret = pgstore_migrate(s, &from, &to, err);
		if (ret == 0 && from == to)
			printf("schema at version %d: nothing to do\n", to);
		else if (ret == 0)
			printf("schema migrated from version %d to %d\n", from, to);
	} else if (ret == 0 && (ret = pgstore_check_schema(s, err)) == 0) {
		if (strcmp(verb, "import") == 0)
			ret = do_import(s, dir, replace, err);
		else
			ret = do_export(s, dir, err);
	}
	pgstore_close(&s);
	if (ret < 0) {
		fprintf(stderr, "vpnd store %s: %s\n", verb, err[0] != '\0' ? err : strerror(-ret));
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: ISC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/outfile.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	strcpy(dir, "/tmp/keygate-test-outfile-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/phone.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void read_back(const char *p, char *buf, size_t size)
{
	FILE *f = fopen(p, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* How many entries the folder holds: a leftover temporary file shows here. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_new_file(void **state)
{
	struct stat st;
	char buf[64];

	umask(022);
	assert_int_equal(outfile_write_all(path, "secret\n", 7, 0600, 0), 0);
	read_back(path, buf, sizeof(buf));
	assert_string_equal(buf, "secret\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(entries(), 1);
}

static void test_exists(void **state)
{
	char buf[64];

	assert_int_equal(outfile_write_all(path, "old\n", 4, 0600, 0), 0);
	assert_int_equal(outfile_write_all(path, "new\n", 4, 0600, 0), -EEXIST);
	read_back(path, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
	assert_int_equal(entries(), 1);
	assert_int_equal(outfile_write_all(path, "new\n", 4, 0600, OUTFILE_REPLACE), 0);
	read_back(path, buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(entries(), 1);
}

static void test_not_regular(void **state)
{
	assert_int_equal(outfile_write_all(dir, "x", 1, 0600, OUTFILE_REPLACE), -EISDIR);
	assert_int_equal(outfile_write_all("/dev/null", "x", 1, 0600, OUTFILE_REPLACE), -EINVAL);
	assert_int_equal(outfile_write_all("/nonexistent-keygate/x.conf", "x", 1, 0600, 0),
			 -ENOENT);
}

static void test_abort_leaves_nothing(void **state)
{
	struct outfile f;

	assert_int_equal(outfile_open(&f, path, 0600, 0), 0);
	assert_int_equal(outfile_write(&f, "half", 4), 0);
	assert_int_equal(entries(), 1); /* the temporary file */
	outfile_abort(&f);
	assert_int_equal(entries(), 0);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_race_at_commit(void **state)
{
	struct outfile f;
	char buf[64];
	int fd;

	/* Someone makes the file between our check and our rename: theirs stays. */
	assert_int_equal(outfile_open(&f, path, 0600, 0), 0);
	assert_int_equal(outfile_write(&f, "ours\n", 5), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "theirs\n", 7), 7);
	close(fd);
	assert_int_equal(outfile_commit(&f), -EEXIST);
	read_back(path, buf, sizeof(buf));
	assert_string_equal(buf, "theirs\n");
	assert_int_equal(entries(), 1);
	outfile_abort(&f); /* harmless after commit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_race_at_commit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fido/fidodev.h"

#define UNIX_PREFIX "unix:"
#define FD_PREFIX   "fd:"
#define REPORT_LEN  64

struct sock_handle {
	int fd;
};

/* The softkey's socket at path, connected; 0 or -errno. */
static int sock_connect(const char *path, int *out)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, ret;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

/*
 * libfido2's open hook is handed the path given to fido_dev_open and
 * nothing else, and can only fail as a whole. So open_spec connects the
 * socket itself, where a failure can be told apart, and hands it over in
 * that path as "fd:N"; the hook keeps a copy, whose close is libfido2's.
 */
static void *sock_open(const char *path)
{
	struct sock_handle *h;
	char *end;
	long fd;

	if (strncmp(path, FD_PREFIX, strlen(FD_PREFIX)) != 0)
		return NULL;
	fd = strtol(path + strlen(FD_PREFIX), &end, 10);
	if (*end != '\0' || fd < 0 || fd > INT_MAX)
		return NULL;
	if ((h = malloc(sizeof(*h))) == NULL)
		return NULL;
	h->fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
	if (h->fd < 0) {
		free(h);
		return NULL;
	}
	return h;
}

static void sock_close(void *handle)
{
	struct sock_handle *h = handle;

	if (h == NULL)
		return;
	close(h->fd);
	free(h);
}

/* One report per message; ms < 0 blocks. Anything but 64 bytes is an
 * error, which libfido2's I/O hooks return as -1. */
static int sock_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	struct sock_handle *h = handle;
	struct pollfd pfd = {.fd = h->fd, .events = POLLIN};
	ssize_t n;
	int r;

	if (len != REPORT_LEN)
		return -1;
	do
		r = poll(&pfd, 1, ms < 0 ? -1 : ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	do
		n = recv(h->fd, buf, len, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n != REPORT_LEN)
		return -1;
	return REPORT_LEN;
}

/* libfido2 writes a report-ID byte (0) and the 64-byte report. */
static int sock_write(void *handle, const unsigned char *buf, size_t len)
{
	struct sock_handle *h = handle;
	ssize_t n;

	if (len != REPORT_LEN + 1)
		return -1;
	do
		n = send(h->fd, buf + 1, REPORT_LEN, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != REPORT_LEN)
		return -1;
	return (int)len;
}

void fidodev_init(void)
{
	static bool done;

	if (!done) {
		fido_init(0);
		done = true;
	}
}

/* The first device found whose path is not skip (NULL: any). */
static int first_device(char **path, const char *skip, char err[ERR_LEN])
{
	fido_dev_info_t *list = NULL;
	const char *p = NULL;
	size_t n = 0;
	int r = -ENODEV;

	if ((list = fido_dev_info_new(16)) == NULL) {
		text_err(err, "out of memory");
		return -ENOMEM;
	}
	if (fido_dev_info_manifest(list, 16, &n) != FIDO_OK || n == 0) {
		text_err(err, "no FIDO2 security key found; plug one in");
		goto fail;
	}
	for (size_t i = 0; i < n && p == NULL; i++) {
		p = fido_dev_info_path(fido_dev_info_ptr(list, i));
		if (p != NULL && skip != NULL && strcmp(p, skip) == 0)
			p = NULL;
	}
	if (p == NULL && skip != NULL) {
		text_err(err, "no FIDO2 security key found besides %s; plug one in", skip);
		goto fail;
	}
	if (p == NULL || (*path = strdup(p)) == NULL) {
		text_err(err, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	r = 0;
fail:
	fido_dev_info_free(&list, 16);
	return r;
}

static int open_spec(fido_dev_t **dev, const char *spec, const char *skip, char err[ERR_LEN])
{
	static const fido_dev_io_t sock_io = {
		.open = sock_open,
		.close = sock_close,
		.read = sock_read,
		.write = sock_write,
	};
	char *found = NULL, io_path[32];
	fido_dev_t *d = NULL;
	bool is_unix;
	int fr, r, fd = -1;

	*dev = NULL;
	fidodev_init();
	if (spec == NULL || spec[0] == '\0') {
		if ((r = first_device(&found, skip, err)) < 0)
			return r;
		spec = found;
	}
	if ((d = fido_dev_new()) == NULL) {
		text_err(err, "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	is_unix = strncmp(spec, UNIX_PREFIX, strlen(UNIX_PREFIX)) == 0;
	if (is_unix) {
		r = sock_connect(spec + strlen(UNIX_PREFIX), &fd);
		if (r < 0) {
			text_err(err, "cannot connect to softkey at '%s': %s",
				 spec + strlen(UNIX_PREFIX), strerror(-r));
			goto fail;
		}
		if ((fr = fido_dev_set_io_functions(d, &sock_io)) != FIDO_OK) {
			text_err(err, "cannot use softkey I/O: %s", fido_strerr(fr));
			r = -EIO;
			goto fail;
		}
		snprintf(io_path, sizeof(io_path), FD_PREFIX "%d", fd);
	}
	fr = fido_dev_open(d, is_unix ? io_path : spec);
	if (fr != FIDO_OK) {
		text_err(err, "cannot open security key '%s': %s", spec, fido_strerr(fr));
		r = -ENODEV;
		goto fail;
	}
	*dev = d;
	d = NULL;
	r = 0;
fail:
	if (fd >= 0)
		close(fd);
	fido_dev_free(&d);
	free(found);
	return r;
}

int fidodev_open(fido_dev_t **dev, const char *spec, char err[ERR_LEN])
{
	return open_spec(dev, spec, NULL, err);
}

int fidodev_open_other(fido_dev_t **dev, const char *spec, const char *skip, char err[ERR_LEN])
{
	return open_spec(dev, spec, skip, err);
}

void fidodev_close(fido_dev_t **dev)
{
	if (dev == NULL || *dev == NULL)
		return;
	fido_dev_close(*dev);
	fido_dev_free(dev);
}

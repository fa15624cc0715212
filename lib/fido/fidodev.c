/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fido/fidodev.h"
#include "base/log.h"

#define UNIX_PREFIX "unix:"
#define REPORT_LEN  64

struct sock_handle {
	int fd;
};

/* Why the last sock_open failed; libfido2 only says FIDO_ERR_INTERNAL. */
static int sock_open_errno;

/* libfido2 hands the whole spec to open; the prefix is ours to strip. */
static void *sock_open(const char *spec)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *path = spec + strlen(UNIX_PREFIX);
	struct sock_handle *h;

	sock_open_errno = 0;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		sock_open_errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((h = malloc(sizeof(*h))) == NULL) {
		sock_open_errno = ENOMEM;
		return NULL;
	}
	h->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || connect(h->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		sock_open_errno = errno;
		if (h->fd >= 0)
			close(h->fd);
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

/* One report per message; ms < 0 blocks. Anything but 64 bytes is an error. */
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
static int first_device(char **path, const char *skip)
{
	fido_dev_info_t *list = NULL;
	const char *p = NULL;
	size_t n = 0;
	int r = -ENODEV;

	if ((list = fido_dev_info_new(16)) == NULL)
		return -ENOMEM;
	if (fido_dev_info_manifest(list, 16, &n) != FIDO_OK || n == 0) {
		log_error("no FIDO2 security key found; plug one in");
		goto fail;
	}
	for (size_t i = 0; i < n && p == NULL; i++) {
		p = fido_dev_info_path(fido_dev_info_ptr(list, i));
		if (p != NULL && skip != NULL && strcmp(p, skip) == 0)
			p = NULL;
	}
	if (p == NULL && skip != NULL) {
		log_error("no FIDO2 security key found besides %s; plug one in", skip);
		goto fail;
	}
	if (p == NULL || (*path = strdup(p)) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	r = 0;
fail:
	fido_dev_info_free(&list, 16);
	return r;
}

static int open_spec(fido_dev_t **dev, const char *spec, const char *skip)
{
	static const fido_dev_io_t sock_io = {
		.open = sock_open,
		.close = sock_close,
		.read = sock_read,
		.write = sock_write,
	};
	char *found = NULL;
	fido_dev_t *d = NULL;
	bool is_unix;
	int fr, r;

	*dev = NULL;
	fidodev_init();
	if (spec == NULL || spec[0] == '\0') {
		if ((r = first_device(&found, skip)) < 0)
			return r;
		spec = found;
	}
	if ((d = fido_dev_new()) == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	is_unix = strncmp(spec, UNIX_PREFIX, strlen(UNIX_PREFIX)) == 0;
	if (is_unix && (fr = fido_dev_set_io_functions(d, &sock_io)) != FIDO_OK) {
		log_error("cannot use softkey I/O: %s", fido_strerr(fr));
		r = -EIO;
		goto fail;
	}
	if ((fr = fido_dev_open(d, spec)) != FIDO_OK && is_unix && sock_open_errno != 0) {
		log_error("cannot connect to softkey at '%s': %s", spec + strlen(UNIX_PREFIX),
			  strerror(sock_open_errno));
		r = -sock_open_errno;
		goto fail;
	}
	if (fr != FIDO_OK) {
		log_error("cannot open security key '%s': %s", spec, fido_strerr(fr));
		r = -ENODEV;
		goto fail;
	}
	*dev = d;
	d = NULL;
	r = 0;
fail:
	fido_dev_free(&d);
	free(found);
	return r;
}

int fidodev_open(fido_dev_t **dev, const char *spec)
{
	return open_spec(dev, spec, NULL);
}

int fidodev_open_other(fido_dev_t **dev, const char *spec, const char *skip)
{
	return open_spec(dev, spec, skip);
}

void fidodev_close(fido_dev_t **dev)
{
	if (dev == NULL || *dev == NULL)
		return;
	fido_dev_close(*dev);
	fido_dev_free(dev);
}

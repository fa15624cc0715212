/* SPDX-License-Identifier: ISC */
/* The web page's socket and files, monitor side (webport.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "common/webmsg.h"
#include "monitor/webport.h"

int webport_listen(const struct webconf *w, char err[ERR_LEN])
{
	struct sockaddr_storage ss = {0};
	struct ipaddr a;
	socklen_t sl;
	int fd, one = 1, e;

	if (ipaddr_parse(&a, w->listen_host, false) < 0) {
		text_err(err, "invalid [Web] Listen address '%s'", w->listen_host);
		return -EINVAL;
	}
	if (a.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(w->listen_port);
		memcpy(&s4->sin_addr, a.bytes, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(w->listen_port);
		memcpy(&s6->sin6_addr, a.bytes, 16);
		sl = sizeof(*s6);
	}
	fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	text_err(err, "cannot listen on [Web] %s%s%s:%u: %s", a.family == AF_INET6 ? "[" : "",
		 w->listen_host, a.family == AF_INET6 ? "]" : "", w->listen_port, strerror(e));
	return -e;
}

static int read_pem(const char *path, char **out, size_t *len, char err[ERR_LEN])
{
	int r = atomicfile_read(path, out, len, WEBMSG_PEM_MAX);

	if (r < 0)
		text_err(err, "cannot read %s: %s", path,
			 r == -EFBIG ? "larger than 56 KiB" : strerror(-r));
	else if (*len == 0 || memmem(*out, *len, "-----BEGIN ", 11) == NULL) {
		text_err(err, "%s is not a PEM file", path);
		sodium_memzero(*out, *len);
		free(*out);
		*out = NULL;
		r = -EINVAL;
	}
	return r;
}

int webport_conf(const struct webconf *w, uint8_t *buf, size_t *len, char err[ERR_LEN])
{
	struct webmsg_conf m = {0};
	char *cert = NULL, *key = NULL;
	size_t cl = 0, kl = 0;
	int r = 0;

	if (w->certificate[0] != '\0') {
		if ((r = read_pem(w->certificate, &cert, &cl, err)) < 0 ||
		    (r = read_pem(w->key, &key, &kl, err)) < 0)
			goto out;
		m.cert = (const uint8_t *)cert;
		m.cert_len = cl;
		m.key = (const uint8_t *)key;
		m.key_len = kl;
	}
	m.n_proxies = (uint8_t)w->n_proxies;
	memcpy(m.proxies, w->proxies, sizeof(m.proxies[0]) * (size_t)w->n_proxies);
	r = webmsg_encode_conf(buf, len, &m);
	if (r < 0)
		text_err(err, "the certificate and key are too large to pass on");
out:
	if (key != NULL)
		sodium_memzero(key, kl);
	free(cert);
	free(key);
	return r;
}

/* SPDX-License-Identifier: ISC */
/* The web page's socket and files, monitor side (webport.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "common/webmsg.h"
#include "monitor/webport.h"

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

/* SPDX-License-Identifier: ISC */
/*
 * The data model of wg.h: finding, freeing, parsing allowed IPs, checking
 * interface names, and the one-line errors every backend writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wg/wg.h"

void wg_err(char err[ERR_LEN], const char *fmt, ...)
{
	int saved = errno; /* callers test errno after telling of it */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	err[strcspn(err, "\r\n")] = '\0';
	for (char *c = err; *c != '\0'; c++) {
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	}
	errno = saved;
}

int wg_check_ifname(const char *ifname, char err[ERR_LEN])
{
	/* strnlen: dev->name of a caller's struct need not hold a NUL. */
	size_t len = ifname != NULL ? strnlen(ifname, IFNAMSIZ) : 0;
	bool ok = len > 0 && len < IFNAMSIZ && strchr(ifname, '/') == NULL &&
		  strcmp(ifname, ".") != 0 && strcmp(ifname, "..") != 0;

	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)ifname[i] > ' ' && (unsigned char)ifname[i] < 0x7f;
	if (!ok) {
		wg_err(err, "invalid interface name '%.*s'", IFNAMSIZ,
		       ifname != NULL ? ifname : "");
		return -EINVAL;
	}
	return 0;
}

struct wg_peer *wg_device_find_peer(const struct wg_device *dev, const uint8_t public_key[KEY_LEN])
{
	for (struct wg_peer *p = dev != NULL ? dev->peers : NULL; p != NULL; p = p->next) {
		if (key_equal(p->public_key, public_key))
			return p;
	}
	return NULL;
}

void wg_peer_free(struct wg_peer **peer)
{
	struct wg_allowedip *a, *next;

	if (peer == NULL || *peer == NULL)
		return;
	for (a = (*peer)->allowedips; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	sodium_memzero(*peer, sizeof(**peer));
	free(*peer);
	*peer = NULL;
}

void wg_device_free(struct wg_device **dev)
{
	struct wg_peer *p, *next;

	if (dev == NULL || *dev == NULL)
		return;
	for (p = (*dev)->peers; p != NULL; p = next) {
		next = p->next;
		wg_peer_free(&p);
	}
	sodium_memzero(*dev, sizeof(**dev));
	free(*dev);
	*dev = NULL;
}

static int wg_parse_cidr(const char *s, unsigned int max, uint8_t *cidr)
{
	unsigned int v = 0;

	if (s[0] == '\0' || strlen(s) > 3 || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (const char *c = s; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(*c - '0');
	}
	if (v > max)
		return -EINVAL;
	*cidr = (uint8_t)v;
	return 0;
}

int wg_allowedip_parse(struct wg_allowedip **out, const char *s)
{
	char addr[INET6_ADDRSTRLEN];
	struct wg_allowedip *a = NULL;
	const char *slash;
	size_t len;

	*out = NULL;
	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	if (inet_pton(AF_INET, addr, &a->ip4) == 1) {
		a->family = AF_INET;
		a->cidr = 32;
	} else if (inet_pton(AF_INET6, addr, &a->ip6) == 1) {
		a->family = AF_INET6;
		a->cidr = 128;
	} else {
		goto fail;
	}
	if (slash != NULL && wg_parse_cidr(slash + 1, a->cidr, &a->cidr) < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	free(a);
	return -EINVAL;
}

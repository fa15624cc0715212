/* SPDX-License-Identifier: ISC */
/*
 * The backend-independent half of lib/wg.h: choosing a backend, the
 * convenience calls built on wg_set_device, freeing, parsing allowed IPs
 * and the per-thread error line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "wg/wg.h"
#include "wg/uapi.h"

static _Thread_local char wg_error[256];

const char *wg_last_error(void)
{
	return wg_error[0] != '\0' ? wg_error : "no error";
}

void wg_set_error(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(wg_error, sizeof(wg_error), fmt, ap);
	va_end(ap);
	/* One line, always: a reply quoted into the message may hold one. */
	wg_error[strcspn(wg_error, "\r\n")] = '\0';
	/* And no terminal escapes from a UAPI reply in an admin's log. */
	for (char *c = wg_error; *c != '\0'; c++) {
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	}
	errno = saved;
}

const struct wg_backend *wg_backend_for(const char *ifname)
{
	char path[sizeof(UAPI_SOCKET_DIR) + IFNAMSIZ + 8];
	struct stat st;

	if (uapi_check_ifname(ifname) == 0) {
		snprintf(path, sizeof(path), "%s/%s.sock", UAPI_SOCKET_DIR, ifname);
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return &wg_backend_uapi;
	}
	return &wg_backend_netlink;
}

int wg_get_device(struct wg_device **dev, const char *ifname)
{
	int ret;

	*dev = NULL;
	ret = uapi_check_ifname(ifname);
	if (ret < 0)
		return ret;
	return wg_backend_for(ifname)->get_device(dev, ifname);
}

int wg_set_device(const struct wg_device *dev)
{
	int ret = uapi_check_ifname(dev->name);

	if (ret < 0)
		return ret;
	return wg_backend_for(dev->name)->set_device(dev);
}

static int wg_device_init(struct wg_device *dev, const char *ifname)
{
	memset(dev, 0, sizeof(*dev));
	if (uapi_check_ifname(ifname) < 0)
		return -EINVAL;
	memcpy(dev->name, ifname, strlen(ifname) + 1);
	return 0;
}

int wg_set_private_key_port(const char *ifname, const uint8_t private_key[KEY_LEN],
			    uint16_t listen_port)
{
	struct wg_device dev;
	int ret = wg_device_init(&dev, ifname);

	if (ret < 0)
		return ret;
	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
	memcpy(dev.private_key, private_key, KEY_LEN);
	dev.listen_port = listen_port;
	ret = wg_set_device(&dev);
	sodium_memzero(&dev, sizeof(dev));
	return ret;
}

int wg_add_peer(const char *ifname, const struct wg_peer *peer)
{
	struct wg_device dev;
	struct wg_peer p;
	int ret = wg_device_init(&dev, ifname);

	if (ret < 0)
		return ret;
	p = *peer;
	p.next = NULL;
	p.flags &= WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE;
	p.flags |= WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_PRESHARED_KEY;
	dev.peers = &p;
	ret = wg_set_device(&dev);
	sodium_memzero(&p, sizeof(p));
	return ret;
}

int wg_remove_peer(const char *ifname, const uint8_t public_key[KEY_LEN])
{
	struct wg_device dev;
	struct wg_peer p;
	int ret = wg_device_init(&dev, ifname);

	if (ret < 0)
		return ret;
	memset(&p, 0, sizeof(p));
	p.flags = WGPEER_REMOVE_ME;
	memcpy(p.public_key, public_key, KEY_LEN);
	dev.peers = &p;
	return wg_set_device(&dev);
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

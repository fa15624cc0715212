/* SPDX-License-Identifier: ISC */
/*
 * The text of the UAPI: building "set=1" requests and parsing replies.
 * Replies come from another process and are parsed as untrusted bytes:
 * every line must end in '\n', hold '=' and no NUL; numbers are plain
 * decimal within range; errno comes last.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "wg/uapi_text.h"

/* A key's hex form is a copy of the secret: wiped once it is in b. */
static void request_key(struct strbuf *b, const char *name, const uint8_t key[KEY_LEN])
{
	key_hex_t hex;

	key_to_hex(hex, key);
	strbuf_printf(b, "%s=%s\n", name, hex);
	sodium_memzero(hex, sizeof(hex));
}

static int uapi_endpoint_format(char *out, size_t outlen, const struct wg_peer *p)
{
	char host[INET6_ADDRSTRLEN], scope[IFNAMSIZ + 2] = "";

	if (p->endpoint.addr.sa_family == AF_INET) {
		inet_ntop(AF_INET, &p->endpoint.addr4.sin_addr, host, sizeof(host));
		snprintf(out, outlen, "%s:%u", host, ntohs(p->endpoint.addr4.sin_port));
		return 0;
	}
	if (p->endpoint.addr.sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	inet_ntop(AF_INET6, &p->endpoint.addr6.sin6_addr, host, sizeof(host));
	if (p->endpoint.addr6.sin6_scope_id != 0) {
		char name[IFNAMSIZ];

		if (if_indextoname(p->endpoint.addr6.sin6_scope_id, name) != NULL)
			snprintf(scope, sizeof(scope), "%%%s", name);
		else
			snprintf(scope, sizeof(scope), "%%%" PRIu32,
				 p->endpoint.addr6.sin6_scope_id);
	}
	snprintf(out, outlen, "[%s%s]:%u", host, scope, ntohs(p->endpoint.addr6.sin6_port));
	return 0;
}

static int request_peer(struct strbuf *b, const struct wg_peer *p, const char *ifname,
			char err[ERR_LEN])
{
	char endpoint[INET6_ADDRSTRLEN + IFNAMSIZ + 16], ip[INET6_ADDRSTRLEN];

	request_key(b, "public_key", p->public_key);
	if (p->flags & WGPEER_REMOVE_ME) {
		strbuf_puts(b, "remove=true\n");
		return 0;
	}
	if (p->flags & WGPEER_UPDATE_ONLY)
		strbuf_puts(b, "update_only=true\n");
	if (p->flags & WGPEER_HAS_PRESHARED_KEY)
		request_key(b, "preshared_key", p->preshared_key);
	if (p->flags & WGPEER_HAS_ENDPOINT) {
		if (uapi_endpoint_format(endpoint, sizeof(endpoint), p) < 0) {
			wg_err(err, "%s: peer endpoint has address family %u, not IPv4 or IPv6",
			       ifname, p->endpoint.addr.sa_family);
			return -EINVAL;
		}
		strbuf_printf(b, "endpoint=%s\n", endpoint);
	}
	if (p->flags & WGPEER_HAS_KEEPALIVE)
		strbuf_printf(b, "persistent_keepalive_interval=%u\n", p->keepalive);
	if (p->flags & WGPEER_REPLACE_ALLOWEDIPS)
		strbuf_puts(b, "replace_allowed_ips=true\n");
	for (const struct wg_allowedip *a = p->allowedips; a != NULL; a = a->next) {
		if ((a->family != AF_INET && a->family != AF_INET6) ||
		    a->cidr > (a->family == AF_INET ? 32 : 128)) {
			wg_err(err, "%s: invalid allowed IP (family %u, /%u)", ifname, a->family,
			       a->cidr);
			return -EINVAL;
		}
		inet_ntop(a->family, &a->ip6, ip, sizeof(ip));
		strbuf_printf(b, "allowed_ip=%s/%u\n", ip, a->cidr);
	}
	return 0;
}

int uapi_text_request_set(struct strbuf *req, const struct wg_device *dev, char err[ERR_LEN])
{
	int ret;

	strbuf_puts(req, "set=1\n");
	if (dev->flags & WGDEV_HAS_PRIVATE_KEY)
		request_key(req, "private_key", dev->private_key);
	if (dev->flags & WGDEV_HAS_LISTEN_PORT)
		strbuf_printf(req, "listen_port=%u\n", dev->listen_port);
	if (dev->flags & WGDEV_HAS_FWMARK)
		strbuf_printf(req, "fwmark=%" PRIu32 "\n", dev->fwmark);
	if (dev->flags & WGDEV_REPLACE_PEERS)
		strbuf_puts(req, "replace_peers=true\n");
	for (const struct wg_peer *p = dev->peers; p != NULL; p = p->next) {
		ret = request_peer(req, p, dev->name, err);
		if (ret < 0)
			return ret;
	}
	strbuf_puts(req, "\n");
	if (strbuf_error(req) < 0) {
		wg_err(err, "%s: out of memory for a UAPI request", dev->name);
		return -ENOMEM;
	}
	return 0;
}

size_t uapi_text_reply_end(const char *buf, size_t len)
{
	const char *p;

	if (len > 0 && buf[0] == '\n')
		return 1;
	p = memmem(buf, len, "\n\n", 2);
	return p != NULL ? (size_t)(p - buf) + 2 : 0;
}

/* Plain decimal, no sign, no spaces, at most max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s[0] == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* errno=N: wireguard-go sends -N, the spec N; either means error N. */
static int parse_errno(const char *s, int *out)
{
	uint64_t v;

	if (s[0] == '-')
		s++;
	if (parse_u64(s, INT_MAX, &v) < 0)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_endpoint(struct wg_peer *p, const char *s)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *colon, *end;
	bool bracketed = s[0] == '[';
	uint64_t port;
	char *pct;
	size_t hlen;

	if (bracketed) {
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return -EINVAL;
		s++;
		hlen = (size_t)(end - s);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host) || parse_u64(colon + 1, 65535, &port) < 0)
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(&p->endpoint, 0, sizeof(p->endpoint));
	/* IPv4 bare, IPv6 in brackets, as wireguard-go writes them. */
	if (!bracketed) {
		if (inet_pton(AF_INET, host, &p->endpoint.addr4.sin_addr) != 1)
			return -EINVAL;
		p->endpoint.addr4.sin_family = AF_INET;
		p->endpoint.addr4.sin_port = htons((uint16_t)port);
		return 0;
	}
	pct = strchr(host, '%');
	if (pct != NULL) {
		uint64_t idx = 0;

		*pct++ = '\0';
		if (parse_u64(pct, UINT32_MAX, &idx) < 0) {
			idx = if_nametoindex(pct);
			if (idx == 0)
				return -EINVAL;
		}
		p->endpoint.addr6.sin6_scope_id = (uint32_t)idx;
	}
	if (inet_pton(AF_INET6, host, &p->endpoint.addr6.sin6_addr) != 1)
		return -EINVAL;
	p->endpoint.addr6.sin6_family = AF_INET6;
	p->endpoint.addr6.sin6_port = htons((uint16_t)port);
	return 0;
}

struct parse_state {
	struct wg_device *dev;
	struct wg_peer *peer;           /* the one being filled */
	struct wg_allowedip **aip_tail; /* where its next allowed IP goes */
	struct wg_peer **peer_tail;
};

static bool is_peer_key(const char *key)
{
	static const char *const keys[] = {
		"preshared_key",
		"endpoint",
		"last_handshake_time_sec",
		"last_handshake_time_nsec",
		"rx_bytes",
		"tx_bytes",
		"persistent_keepalive_interval",
		"allowed_ip",
		"protocol_version",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i]) == 0)
			return true;
	}
	return false;
}

static int parse_device_line(struct parse_state *st, const char *key, const char *value)
{
	struct wg_device *dev = st->dev;
	uint64_t v;

	if (strcmp(key, "private_key") == 0) {
		if (key_from_hex(dev->private_key, value) < 0)
			return -EINVAL;
		if (key_is_zero(dev->private_key))
			return 0;
		dev->flags |= WGDEV_HAS_PRIVATE_KEY;
		if (key_public(dev->public_key, dev->private_key) < 0)
			memset(dev->public_key, 0, KEY_LEN);
	} else if (strcmp(key, "listen_port") == 0) {
		if (parse_u64(value, UINT16_MAX, &v) < 0)
			return -EINVAL;
		dev->listen_port = (uint16_t)v;
		dev->flags |= WGDEV_HAS_LISTEN_PORT;
	} else if (strcmp(key, "fwmark") == 0) {
		if (parse_u64(value, UINT32_MAX, &v) < 0)
			return -EINVAL;
		dev->fwmark = (uint32_t)v;
		dev->flags |= WGDEV_HAS_FWMARK;
	} else if (is_peer_key(key)) {
		return -EINVAL; /* a peer's line before any public_key */
	}
	return 0; /* unknown keys: ignored, as wg(8) does, for newer servers */
}

static int parse_peer_line(struct parse_state *st, const char *key, const char *value)
{
	struct wg_peer *p = st->peer;
	struct wg_allowedip *a;
	uint64_t v;
	int ret;

	if (strcmp(key, "preshared_key") == 0) {
		if (key_from_hex(p->preshared_key, value) < 0)
			return -EINVAL;
		if (!key_is_zero(p->preshared_key))
			p->flags |= WGPEER_HAS_PRESHARED_KEY;
	} else if (strcmp(key, "endpoint") == 0) {
		if (parse_endpoint(p, value) < 0)
			return -EINVAL;
		p->flags |= WGPEER_HAS_ENDPOINT;
	} else if (strcmp(key, "last_handshake_time_sec") == 0) {
		if (parse_u64(value, INT64_MAX, &v) < 0)
			return -EINVAL;
		p->last_handshake.tv_sec = (time_t)v;
	} else if (strcmp(key, "last_handshake_time_nsec") == 0) {
		if (parse_u64(value, 999999999, &v) < 0)
			return -EINVAL;
		p->last_handshake.tv_nsec = (long)v;
	} else if (strcmp(key, "rx_bytes") == 0) {
		if (parse_u64(value, UINT64_MAX, &p->rx_bytes) < 0)
			return -EINVAL;
	} else if (strcmp(key, "tx_bytes") == 0) {
		if (parse_u64(value, UINT64_MAX, &p->tx_bytes) < 0)
			return -EINVAL;
	} else if (strcmp(key, "persistent_keepalive_interval") == 0) {
		if (parse_u64(value, UINT16_MAX, &v) < 0)
			return -EINVAL;
		p->keepalive = (uint16_t)v;
		p->flags |= WGPEER_HAS_KEEPALIVE;
	} else if (strcmp(key, "allowed_ip") == 0) {
		ret = wg_allowedip_parse(&a, value);
		if (ret < 0)
			return ret;
		*st->aip_tail = a;
		st->aip_tail = &a->next;
	} else if (strcmp(key, "protocol_version") == 0) {
		if (strcmp(value, "1") != 0)
			return -EPROTONOSUPPORT;
	}
	return 0;
}

static int parse_line(struct parse_state *st, const char *key, const char *value)
{
	struct wg_peer *p;

	if (strcmp(key, "public_key") == 0) {
		p = calloc(1, sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		*st->peer_tail = p;
		st->peer_tail = &p->next;
		st->peer = p;
		st->aip_tail = &p->allowedips;
		return key_from_hex(p->public_key, value) < 0 ? -EINVAL : 0;
	}
	if (st->peer == NULL)
		return parse_device_line(st, key, value);
	if (strcmp(key, "private_key") == 0 || strcmp(key, "listen_port") == 0 ||
	    strcmp(key, "fwmark") == 0)
		return -EINVAL; /* device keys come before the first peer */
	return parse_peer_line(st, key, value);
}

#define LINE_MAX_LEN 256

/* Walks the lines of a reply; device keys go to st (NULL: only errno is
 * allowed). Returns the errno the server sent, as -|N|. line is scratch
 * space that the caller wipes: it may hold a key. */
static int uapi_walk(struct parse_state *st, const char *ifname, const char *buf, size_t len,
		     char line[LINE_MAX_LEN], char err[ERR_LEN])
{
	size_t pos = 0, lineno = 0;
	int srv_errno = 0, ret;
	bool have_errno = false;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen, klen;
		const char *eq;

		lineno++;
		if (nl == NULL) {
			wg_err(err, "%s: truncated UAPI reply at line %zu", ifname, lineno);
			return -EPROTO;
		}
		llen = (size_t)(nl - (buf + pos));
		if (llen == 0) {
			if (!have_errno)
				break;
			if (pos + 1 != len) {
				wg_err(err,
				       "%s: malformed UAPI reply at line %zu: data after the end",
				       ifname, lineno + 1);
				return -EPROTO;
			}
			goto done;
		}
		if (have_errno) {
			wg_err(err, "%s: malformed UAPI reply at line %zu: data after errno",
			       ifname, lineno);
			return -EPROTO;
		}
		if (llen >= LINE_MAX_LEN || memchr(buf + pos, '\0', llen) != NULL ||
		    (eq = memchr(buf + pos, '=', llen)) == NULL || eq == buf + pos) {
			wg_err(err, "%s: malformed UAPI reply at line %zu", ifname, lineno);
			return -EPROTO;
		}
		klen = (size_t)(eq - (buf + pos));
		memcpy(line, buf + pos, llen);
		line[llen] = '\0';
		line[klen] = '\0';
		pos += llen + 1;
		if (strcmp(line, "errno") == 0) {
			ret = parse_errno(line + klen + 1, &srv_errno);
			have_errno = true;
		} else if (st == NULL) {
			ret = -EINVAL;
		} else {
			ret = parse_line(st, line, line + klen + 1);
		}
		if (ret == -ENOMEM) {
			wg_err(err, "%s: out of memory reading the UAPI reply", ifname);
			return ret;
		}
		if (ret < 0) {
			wg_err(err, "%s: malformed UAPI reply at line %zu: bad '%s' value", ifname,
			       lineno, line);
			return -EPROTO;
		}
	}
	if (!have_errno) {
		wg_err(err, "%s: truncated UAPI reply at line %zu: no errno line", ifname,
		       lineno + 1);
		return -EPROTO;
	}
done:
	if (srv_errno != 0) {
		if (srv_errno > 4095)
			srv_errno = EPROTO;
		wg_err(err, "%s: the userspace WireGuard refused: errno=%d (%s)", ifname, srv_errno,
		       strerror(srv_errno));
		return -srv_errno;
	}
	return 0;
}

static int uapi_parse(struct parse_state *st, const char *ifname, const char *buf, size_t len,
		      char err[ERR_LEN])
{
	char line[LINE_MAX_LEN];
	int ret = uapi_walk(st, ifname, buf, len, line, err);

	sodium_memzero(line, sizeof(line));
	return ret;
}

int uapi_text_parse_get(struct wg_device **dev, const char *ifname, const char *buf, size_t len,
			char err[ERR_LEN])
{
	struct parse_state st = {0};
	int ret;

	*dev = NULL;
	st.dev = calloc(1, sizeof(*st.dev));
	if (st.dev == NULL) {
		wg_err(err, "%s: out of memory reading the UAPI reply", ifname);
		return -ENOMEM;
	}
	snprintf(st.dev->name, sizeof(st.dev->name), "%s", ifname);
	st.peer_tail = &st.dev->peers;
	ret = uapi_parse(&st, ifname, buf, len, err);
	if (ret < 0)
		goto fail;
	*dev = st.dev;
	return 0;
fail:
	wg_device_free(&st.dev);
	return ret;
}

int uapi_text_parse_set(const char *ifname, const char *buf, size_t len, char err[ERR_LEN])
{
	return uapi_parse(NULL, ifname, buf, len, err);
}

/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/strbuf.h"
#include "wg/wgq.h"

void wgq_config_init(struct wgq_config *c)
{
	memset(c, 0, sizeof(*c));
}

void wgq_config_finish(struct wgq_config *c)
{
	if (c != NULL)
		sodium_memzero(c, sizeof(*c));
}

static bool is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool wgq_name_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++) {
		if (n >= WGQ_NAME_MAX)
			return false;
		if (!is_alnum(s[n]) && strchr("._-@+", s[n]) == NULL)
			return false;
	}
	return n > 0;
}

bool wgq_hostname_valid(const char *s)
{
	size_t total = 0, label = 0;

	if (s == NULL || s[0] == '\0')
		return false;
	for (; s[total] != '\0'; total++) {
		char ch = s[total];

		if (total >= WGQ_HOST_MAX)
			return false;
		if (ch == '.') {
			if (label == 0 || s[total - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(ch) && ch != '-')
			return false;
		if (ch == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	/* A trailing dot is a fully qualified name; a trailing '-' is not a name. */
	return s[total - 1] != '-';
}

static bool port_valid(const char *s)
{
	char *end = NULL;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && v >= 1 && v <= 65535;
}

bool wgq_endpoint_valid(const char *s)
{
	char host[WGQ_ENDPOINT_MAX + 1];
	struct in6_addr a6;
	struct in_addr a4;
	const char *colon;
	size_t hlen;

	if (s == NULL || strlen(s) > WGQ_ENDPOINT_MAX)
		return false;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return false;
		hlen = (size_t)(close - s - 1);
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		return inet_pton(AF_INET6, host, &a6) == 1 && port_valid(close + 2);
	}
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s)
		return false;
	hlen = (size_t)(colon - s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (!port_valid(colon + 1))
		return false;
	/* Unbracketed IPv6 is ambiguous; the apps refuse it too. */
	if (strchr(host, ':') != NULL)
		return false;
	return inet_pton(AF_INET, host, &a4) == 1 || wgq_hostname_valid(host);
}

int wgq_prefix_parse(struct wgq_prefix *p, const char *s)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash;
	unsigned long cidr;
	unsigned max;
	size_t alen;
	char *end = NULL;

	if (s == NULL)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &p->ip4) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, &p->ip6) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	if (slash == NULL) {
		p->cidr = (uint8_t)max;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -EINVAL;
	cidr = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || cidr > max)
		return -EINVAL;
	p->cidr = (uint8_t)cidr;
	return 0;
}

void wgq_prefix_format(const struct wgq_prefix *p, char *buf)
{
	char addr[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family,
		      p->family == AF_INET ? (const void *)&p->ip4 : (const void *)&p->ip6, addr,
		      sizeof(addr)) == NULL)
		strcpy(addr, "?");
	snprintf(buf, WGQ_PREFIX_STRLEN, "%s/%u", addr, p->cidr);
}

void wgq_prefix_network(struct wgq_prefix *p)
{
	uint8_t *b = p->family == AF_INET ? (uint8_t *)&p->ip4 : p->ip6.s6_addr;
	unsigned bytes = p->family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned have = p->cidr > i * 8 ? p->cidr - i * 8 : 0;

		if (have < 8)
			b[i] &= (uint8_t)(0xff00U >> have);
	}
}

int wgq_validate(const struct wgq_config *c, char err[ERR_LEN])
{
	if (c->name[0] != '\0' && !wgq_name_valid(c->name)) {
		text_err(err,
			 "invalid name '%s': expected 1..63 letters, digits, '.', '_', '-', '@' or "
			 "'+'",
			 c->name);
		return -EINVAL;
	}
	if (!(c->flags & WGQ_HAS_PRIVATE_KEY)) {
		text_err(err, "no PrivateKey in [Interface]");
		return -EINVAL;
	}
	if (c->n_addrs > WGQ_MAX_ADDRS || c->n_dns > WGQ_MAX_DNS ||
	    c->n_allowedips > WGQ_MAX_ALLOWEDIPS) {
		text_err(err, "too many addresses");
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_dns; i++) {
		struct in6_addr a;

		if (inet_pton(AF_INET, c->dns[i], &a) != 1 &&
		    inet_pton(AF_INET6, c->dns[i], &a) != 1 && !wgq_hostname_valid(c->dns[i])) {
			text_err(err, "invalid DNS '%s': expected an IP address or a domain",
				 c->dns[i]);
			return -EINVAL;
		}
	}
	if ((c->flags & WGQ_HAS_MTU) && c->mtu < 576) {
		text_err(err, "invalid MTU '%u': expected 576..65535", c->mtu);
		return -EINVAL;
	}
	if ((c->flags & WGQ_HAS_LISTEN_PORT) && c->listen_port == 0) {
		text_err(err, "invalid ListenPort '0': expected 1..65535");
		return -EINVAL;
	}
	if (!(c->flags & WGQ_HAS_PEER)) {
		if ((c->flags & (WGQ_HAS_PRESHARED_KEY | WGQ_HAS_KEEPALIVE)) ||
		    c->endpoint[0] != '\0' || c->n_allowedips > 0) {
			text_err(err, "[Peer] fields without a PublicKey");
			return -EINVAL;
		}
		return 0;
	}
	if (c->endpoint[0] != '\0' && !wgq_endpoint_valid(c->endpoint)) {
		text_err(err, "invalid Endpoint '%s': expected HOST:PORT or [IPv6]:PORT",
			 c->endpoint);
		return -EINVAL;
	}
	if ((c->flags & WGQ_HAS_KEEPALIVE) && c->keepalive == 0) {
		text_err(err, "invalid PersistentKeepalive '0': expected 1..65535");
		return -EINVAL;
	}
	return 0;
}

static void out_key(struct strbuf *o, const char *name, const uint8_t key[KEY_LEN])
{
	key_b64_t b64;

	key_to_base64(b64, key);
	strbuf_printf(o, "%s = %s\n", name, b64);
	sodium_memzero(b64, sizeof(b64));
}

static void out_prefixes(struct strbuf *o, const char *name, const struct wgq_prefix *p, size_t n)
{
	char s[WGQ_PREFIX_STRLEN];

	if (n == 0)
		return;
	strbuf_printf(o, "%s = ", name);
	for (size_t i = 0; i < n; i++) {
		wgq_prefix_format(&p[i], s);
		strbuf_printf(o, "%s%s", i > 0 ? ", " : "", s);
	}
	strbuf_puts(o, "\n");
}

int wgq_format(const struct wgq_config *c, char *buf, size_t size, size_t *len, char err[ERR_LEN])
{
	struct strbuf o;
	int ret;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	ret = wgq_validate(c, err);
	if (ret < 0)
		return ret;
	strbuf_init_max(&o, size - 1);
	if (c->name[0] != '\0')
		strbuf_printf(&o, "# keygate: %s\n", c->name);
	strbuf_puts(&o, "[Interface]\n");
	out_key(&o, "PrivateKey", c->private_key);
	out_prefixes(&o, "Address", c->addrs, c->n_addrs);
	if (c->n_dns > 0) {
		strbuf_puts(&o, "DNS = ");
		for (size_t i = 0; i < c->n_dns; i++)
			strbuf_printf(&o, "%s%s", i > 0 ? ", " : "", c->dns[i]);
		strbuf_puts(&o, "\n");
	}
	if (c->flags & WGQ_HAS_MTU)
		strbuf_printf(&o, "MTU = %u\n", c->mtu);
	if (c->flags & WGQ_HAS_LISTEN_PORT)
		strbuf_printf(&o, "ListenPort = %u\n", c->listen_port);
	if (c->flags & WGQ_HAS_PEER) {
		strbuf_puts(&o, "\n[Peer]\n");
		out_key(&o, "PublicKey", c->public_key);
		if (c->flags & WGQ_HAS_PRESHARED_KEY)
			out_key(&o, "PresharedKey", c->preshared_key);
		if (c->endpoint[0] != '\0')
			strbuf_printf(&o, "Endpoint = %s\n", c->endpoint);
		out_prefixes(&o, "AllowedIPs", c->allowedips, c->n_allowedips);
		if (c->flags & WGQ_HAS_KEEPALIVE)
			strbuf_printf(&o, "PersistentKeepalive = %u\n", c->keepalive);
	}
	ret = strbuf_error(&o);
	if (ret == 0) {
		memcpy(buf, o.buf, o.len + 1);
		*len = o.len;
	} else {
		/* The caller's buffer is all zero on failure, as it promises. */
		sodium_memzero(buf, size);
		if (ret == -ENOSPC)
			text_err(err, "config longer than %zu bytes", size - 1);
		else
			text_err(err, "out of memory");
	}
	strbuf_finish(&o); /* wipes the keys */
	return ret;
}

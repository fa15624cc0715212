/* SPDX-License-Identifier: ISC */
/* The reader half of wgq.h: text that may come from anywhere. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "wg/wgq.h"

#define LINE_MAX_LEN 4096

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

struct parser {
	struct wgq_config *c;
	enum section sec;
	unsigned line;
	bool seen_peer;
	uint32_t seen; /* single keys met so far, one bit per key */
	char *err;     /* ERR_LEN bytes */
};

enum key_bit {
	K_PRIVATE = 1U << 0,
	K_MTU = 1U << 1,
	K_PORT = 1U << 2,
	K_PUBLIC = 1U << 3,
	K_PSK = 1U << 4,
	K_ENDPOINT = 1U << 5,
	K_KEEPALIVE = 1U << 6,
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct parser *p, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_err(p->err, "line %u: %s", p->line, msg);
	return -EINVAL;
}

/* An error about the whole text, not one line. */
static int whole_err(char err[ERR_LEN], const char *msg)
{
	text_err(err, "%s", msg);
	return -EINVAL;
}

/* 1..65535 in decimal, nothing else. */
static int parse_u16(const char *s, uint16_t *v)
{
	unsigned long n = 0;

	if (s[0] == '\0' || strlen(s) > 5)
		return -EINVAL;
	for (const char *q = s; *q != '\0'; q++) {
		if (*q < '0' || *q > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(*q - '0');
	}
	if (n == 0 || n > 65535)
		return -EINVAL;
	*v = (uint16_t)n;
	return 0;
}

/* Calls fn on each comma-separated, trimmed item of value. */
static int parse_list(struct parser *p, const char *key, char *value,
		      int (*fn)(struct parser *p, const char *key, const char *item))
{
	char *item = value;

	for (;;) {
		char *comma = strchr(item, ',');
		int ret;

		if (comma != NULL)
			*comma = '\0';
		ret = fn(p, key, text_trim(item));
		if (ret < 0)
			return ret;
		if (comma == NULL)
			return 0;
		item = comma + 1;
	}
}

static int add_prefix(struct parser *p, const char *key, const char *item)
{
	bool addr = strcasecmp(key, "Address") == 0;
	struct wgq_prefix *list = addr ? p->c->addrs : p->c->allowedips;
	size_t *n = addr ? &p->c->n_addrs : &p->c->n_allowedips;
	size_t max = addr ? WGQ_MAX_ADDRS : WGQ_MAX_ALLOWEDIPS;

	if (*n >= max)
		return perr(p, "too many entries in %s (at most %zu)", key, max);
	if (wgq_prefix_parse(&list[*n], item) < 0)
		return perr(p, "invalid %s '%s': expected an IP address with an optional /prefix",
			    key, item);
	(*n)++;
	return 0;
}

static int add_dns(struct parser *p, const char *key, const char *item)
{
	struct in6_addr a;

	if (p->c->n_dns >= WGQ_MAX_DNS)
		return perr(p, "too many entries in DNS (at most %d)", WGQ_MAX_DNS);
	if (inet_pton(AF_INET, item, &a) != 1 && inet_pton(AF_INET6, item, &a) != 1 &&
	    !wgq_hostname_valid(item))
		return perr(p, "invalid DNS '%s': expected an IP address or a domain", item);
	strcpy(p->c->dns[p->c->n_dns++], item);
	return 0;
}

static int once(struct parser *p, uint32_t bit, const char *key)
{
	if (p->seen & bit)
		return perr(p, "%s given twice", key);
	p->seen |= bit;
	return 0;
}

static int parse_key(struct parser *p, const char *key, const char *value, uint8_t out[KEY_LEN],
		     uint32_t bit)
{
	if (once(p, bit, key) < 0)
		return -EINVAL;
	/* Never echo a value that may be a secret. */
	if (key_from_base64(out, value) < 0)
		return perr(p, "invalid %s: expected 44 characters of base64", key);
	return 0;
}

static int parse_port(struct parser *p, const char *key, const char *value, uint16_t *out,
		      uint16_t min, uint32_t bit)
{
	if (once(p, bit, key) < 0)
		return -EINVAL;
	if (parse_u16(value, out) < 0 || *out < min)
		return perr(p, "invalid %s '%s': expected %u..65535", key, value, min);
	return 0;
}

static int interface_kv(struct parser *p, const char *key, char *value)
{
	struct wgq_config *c = p->c;
	int ret;

	if (strcasecmp(key, "PrivateKey") == 0) {
		ret = parse_key(p, "PrivateKey", value, c->private_key, K_PRIVATE);
		c->flags |= ret == 0 ? WGQ_HAS_PRIVATE_KEY : 0;
	} else if (strcasecmp(key, "Address") == 0) {
		ret = parse_list(p, "Address", value, add_prefix);
	} else if (strcasecmp(key, "DNS") == 0) {
		ret = parse_list(p, "DNS", value, add_dns);
	} else if (strcasecmp(key, "MTU") == 0) {
		ret = parse_port(p, "MTU", value, &c->mtu, 576, K_MTU);
		c->flags |= ret == 0 ? WGQ_HAS_MTU : 0;
	} else if (strcasecmp(key, "ListenPort") == 0) {
		ret = parse_port(p, "ListenPort", value, &c->listen_port, 1, K_PORT);
		c->flags |= ret == 0 ? WGQ_HAS_LISTEN_PORT : 0;
	} else {
		ret = perr(p, "unknown key '%s' in [Interface]", key);
	}
	return ret;
}

static int peer_kv(struct parser *p, const char *key, char *value)
{
	struct wgq_config *c = p->c;
	int ret;

	if (strcasecmp(key, "PublicKey") == 0) {
		ret = parse_key(p, "PublicKey", value, c->public_key, K_PUBLIC);
		c->flags |= ret == 0 ? WGQ_HAS_PEER : 0;
	} else if (strcasecmp(key, "PresharedKey") == 0) {
		ret = parse_key(p, "PresharedKey", value, c->preshared_key, K_PSK);
		c->flags |= ret == 0 ? WGQ_HAS_PRESHARED_KEY : 0;
	} else if (strcasecmp(key, "Endpoint") == 0) {
		ret = once(p, K_ENDPOINT, "Endpoint");
		if (ret == 0 && !wgq_endpoint_valid(value))
			ret = perr(p, "invalid Endpoint '%s': expected HOST:PORT or [IPv6]:PORT",
				   value);
		if (ret == 0)
			strcpy(c->endpoint, value);
	} else if (strcasecmp(key, "AllowedIPs") == 0) {
		ret = parse_list(p, "AllowedIPs", value, add_prefix);
	} else if (strcasecmp(key, "PersistentKeepalive") == 0) {
		/* wg(8) spells "no keepalive" as off or 0. */
		if (strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
			return once(p, K_KEEPALIVE, "PersistentKeepalive");
		ret = parse_port(p, "PersistentKeepalive", value, &c->keepalive, 1, K_KEEPALIVE);
		c->flags |= ret == 0 ? WGQ_HAS_KEEPALIVE : 0;
	} else {
		ret = perr(p, "unknown key '%s' in [Peer]", key);
	}
	return ret;
}

static int parse_comment(struct parser *p, const char *comment)
{
	static const char tag[] = "keygate:";
	char buf[WGQ_NAME_MAX + 2], *name;
	size_t n;

	comment = comment + strspn(comment, " \t");
	if (strncasecmp(comment, tag, sizeof(tag) - 1) != 0)
		return 0;
	comment += sizeof(tag) - 1;
	comment += strspn(comment, " \t");
	n = strlen(comment);
	if (n >= sizeof(buf))
		return perr(p, "keygate name too long (at most %d characters)", WGQ_NAME_MAX);
	memcpy(buf, comment, n + 1);
	name = text_trim(buf);
	if (p->c->name[0] != '\0')
		return perr(p, "keygate name given twice");
	if (!wgq_name_valid(name))
		return perr(p, "invalid keygate name '%s'", name);
	strcpy(p->c->name, name);
	return 0;
}

static int parse_line(struct parser *p, char *line)
{
	char *hash = strchr(line, '#'), *eq, *key, *value;

	if (hash != NULL) {
		/* The name is a comment line of its own, as the writer puts it. */
		bool whole = strspn(line, " \t") == (size_t)(hash - line);

		*hash = '\0';
		if (whole && parse_comment(p, hash + 1) < 0)
			return -EINVAL;
	}
	line = text_trim(line);
	if (line[0] == '\0')
		return 0;
	if (line[0] == '[') {
		if (strcasecmp(line, "[Interface]") == 0) {
			if (p->sec != SEC_NONE)
				return perr(p, "[Interface] must come first and once");
			p->sec = SEC_INTERFACE;
		} else if (strcasecmp(line, "[Peer]") == 0) {
			if (p->sec == SEC_NONE)
				return perr(p, "[Peer] before [Interface]");
			if (p->seen_peer)
				return perr(p, "more than one [Peer]");
			p->sec = SEC_PEER;
			p->seen_peer = true;
		} else {
			return perr(p, "unknown section '%s'", line);
		}
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL)
		return perr(p, "expected 'Key = value' or a [section]");
	*eq = '\0';
	key = text_trim(line);
	value = text_trim(eq + 1);
	if (p->sec == SEC_NONE)
		return perr(p, "'%s' outside a section", key);
	if (value[0] == '\0')
		return perr(p, "empty value for %s", key);
	return p->sec == SEC_INTERFACE ? interface_kv(p, key, value) : peer_kv(p, key, value);
}

int wgq_parse(struct wgq_config *c, const char *text, size_t len, char err[ERR_LEN])
{
	struct parser p = {.c = c, .err = err};
	char line[LINE_MAX_LEN + 1];
	size_t pos = 0;
	int ret = 0;

	wgq_config_init(c);
	err[0] = '\0';
	while (pos < len && ret == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;

		p.line++;
		if (n > LINE_MAX_LEN) {
			ret = perr(&p, "line longer than %d bytes", LINE_MAX_LEN);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (strlen(line) != n)
			ret = perr(&p, "NUL byte in the text");
		else
			ret = parse_line(&p, line);
		pos += n + 1;
	}
	if (ret == 0 && p.sec == SEC_NONE)
		ret = whole_err(err, "no [Interface] section");
	if (ret == 0 && p.seen_peer && !(c->flags & WGQ_HAS_PEER))
		ret = whole_err(err, "[Peer] without a PublicKey");
	if (ret == 0)
		ret = wgq_validate(c, err);
	sodium_memzero(line, sizeof(line));
	if (ret < 0)
		wgq_config_finish(c);
	return ret;
}

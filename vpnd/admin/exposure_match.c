/* SPDX-License-Identifier: ISC */
/*
 * Deciding which listeners are exposed, and saying what to change. The
 * fix names the setting of the server that owns the socket where we know
 * it (Dovecot, Courier, Postfix); otherwise it says what to bind to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "admin/exposure.h"

int exposure_addr_parse(const char *s, struct exposure_addr *a)
{
	char host[INET6_ADDRSTRLEN];
	size_t n = strcspn(s, "/");

	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, a->addr) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, a->addr) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static void addr_format(const struct exposure_addr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

void exposure_format_endpoint(const struct exposure_listener *l, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	addr_format(&l->local, host, sizeof(host));
	if (l->local.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", host, l->port);
	else
		snprintf(buf, len, "%s:%u", host, l->port);
}

/* ::ffff:a.b.c.d is a.b.c.d: a v6 socket bound there serves IPv4 only. */
static struct exposure_addr addr_normalize(const struct exposure_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct exposure_addr n = *a;

	if (a->family == AF_INET6 && memcmp(a->addr, mapped, sizeof(mapped)) == 0) {
		memset(&n, 0, sizeof(n));
		n.family = AF_INET;
		memcpy(n.addr, a->addr + 12, 4);
	}
	return n;
}

static int addr_is_loopback(const struct exposure_addr *a)
{
	static const uint8_t lo6[16] = {[15] = 1};

	if (a->family == AF_INET)
		return a->addr[0] == 127;
	return memcmp(a->addr, lo6, 16) == 0;
}

static int addr_equal(const struct exposure_addr *a, const struct exposure_addr *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

static int port_is_mail(uint16_t port, const uint16_t *ports, size_t nports)
{
	for (size_t i = 0; i < sizeof(exposure_mail_ports) / sizeof(exposure_mail_ports[0]); i++)
		if (port == exposure_mail_ports[i])
			return 1;
	for (size_t i = 0; i < nports; i++)
		if (port == ports[i])
			return 1;
	return 0;
}

enum exposure_verdict exposure_classify(const struct exposure_listener *l,
					const struct exposure_addr *tunnel, size_t ntunnel,
					const uint16_t *ports, size_t nports)
{
	struct exposure_addr a = addr_normalize(&l->local);

	if (!port_is_mail(l->port, ports, nports))
		return EXPOSURE_NOT_MAIL;
	if (addr_is_loopback(&a))
		return EXPOSURE_LOOPBACK;
	for (size_t i = 0; i < ntunnel; i++) {
		struct exposure_addr t = addr_normalize(&tunnel[i]);

		if (addr_equal(&a, &t))
			return EXPOSURE_TUNNEL;
	}
	return EXPOSURE_EXPOSED;
}

int exposure_find(const struct exposure_list *all, const struct exposure_addr *tunnel,
		  size_t ntunnel, const uint16_t *ports, size_t nports,
		  struct exposure_list *exposed)
{
	for (size_t i = 0; i < all->count; i++) {
		const struct exposure_listener *l = &all->items[i];
		int ret;

		if (exposure_classify(l, tunnel, ntunnel, ports, nports) != EXPOSURE_EXPOSED)
			continue;
		ret = exposure_list_add(exposed, l);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The tunnel addresses, comma-separated; the listener's family first. */
static void tunnel_list(const struct exposure_addr *tunnel, size_t ntunnel, int family,
			int only_one, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	size_t used = 0;

	buf[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ntunnel; i++) {
			if ((tunnel[i].family == family) != (pass == 0))
				continue;
			addr_format(&tunnel[i], host, sizeof(host));
			if (used + strlen(host) + 3 > len)
				return;
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used == 0 ? "" : ", ", host);
			if (only_one)
				return;
		}
	}
	if (used == 0)
		snprintf(buf, len, "the tunnel address");
}

static const char *courier_file(uint16_t port)
{
	switch (port) {
	case 143:
		return "/etc/courier/imapd";
	case 993:
		return "/etc/courier/imapd-ssl";
	case 110:
		return "/etc/courier/pop3d";
	case 995:
		return "/etc/courier/pop3d-ssl";
	default:
		return "its configuration";
	}
}

void exposure_describe(const struct exposure_listener *l, const struct exposure_addr *tunnel,
		       size_t ntunnel, char *buf, size_t len)
{
	char where[INET6_ADDRSTRLEN + 16], addrs[256];
	const char *who = l->proc[0] != '\0' ? l->proc : "a process";

	exposure_format_endpoint(l, where, sizeof(where));
	if (strcmp(l->proc, "dovecot") == 0) {
		tunnel_list(tunnel, ntunnel, l->local.family, 0, addrs, sizeof(addrs));
		snprintf(buf, len, "%s listens on %s; set listen = %s", who, where, addrs);
	} else if (strncmp(l->proc, "courier", 7) == 0) {
		/* couriertcpd takes one address per service. */
		tunnel_list(tunnel, ntunnel, l->local.family, 1, addrs, sizeof(addrs));
		snprintf(buf, len, "%s listens on %s; set %sADDRESS=%s in %s", who, where,
			 l->port == 993 || l->port == 995 ? "SSL" : "", addrs,
			 courier_file(l->port));
	} else if (strcmp(l->proc, "master") == 0) {
		tunnel_list(tunnel, ntunnel, l->local.family, 1, addrs, sizeof(addrs));
		int v6 = strchr(addrs, ':') != NULL;

		snprintf(buf, len,
			 "postfix (master) listens on %s; in master.cf name the service %s%s%s:%u",
			 where, v6 ? "[" : "", addrs, v6 ? "]" : "", l->port);
	} else {
		tunnel_list(tunnel, ntunnel, l->local.family, 0, addrs, sizeof(addrs));
		snprintf(buf, len, "%s listens on %s; bind it to %s only", who, where, addrs);
	}
}

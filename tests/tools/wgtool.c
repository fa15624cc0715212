/* SPDX-License-Identifier: ISC */
/*
 * kg-wgtool: drives lib/wg (wgipc.h) and nothing else, so that end-to-end tests
 * (wireguard-go in namespaces here, the kernel module under qemu) can check
 * the library against the real `wg` tool. Not installed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/key.h"
#include "base/log.h"
#include "wgtool.h"

static const struct wgipc_backend *forced;

static int usage(void)
{
	fprintf(stderr,
		"usage: kg-wgtool [--backend kernel|userspace] COMMAND\n"
		"  backend IF\n"
		"  show IF                       (the format of `wg show IF dump`)\n"
		"  set IF PRIVATE_KEY_FILE PORT\n"
		"  add-peer IF PUBKEY ALLOWEDIPS [--endpoint HOST:PORT] [--psk FILE]"
		" [--keepalive N]\n"
		"  remove-peer IF PUBKEY\n"
		"  bulk IF N M                   (N random peers with M allowed IPs each)\n");
	return 2;
}

int wgtool_failed(const char *err)
{
	fprintf(stderr, "kg-wgtool: %s\n", err);
	return 1;
}

static const struct wgipc_backend *backend(const char *ifname)
{
	return forced != NULL ? forced : wgipc_backend_for(ifname);
}

int wgtool_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN])
{
	if (forced != NULL)
		return forced->get_device(dev, ifname, err);
	return wgipc_get_device(dev, ifname, err);
}

int wgtool_set_device(const struct wg_device *dev, char err[ERR_LEN])
{
	if (forced != NULL)
		return forced->set_device(dev, err);
	return wgipc_set_device(dev, err);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return -EINVAL;
	return 0;
}

static void print_key(const uint8_t key[KEY_LEN], bool have)
{
	key_b64_t b;

	if (!have) {
		printf("(none)\t");
		return;
	}
	key_to_base64(b, key);
	printf("%s\t", b);
	sodium_memzero(b, sizeof(b));
}

static int cmd_show(const char *ifname)
{
	struct wg_device *dev = NULL;
	char err[ERR_LEN];

	if (wgtool_get_device(&dev, ifname, err) < 0)
		return wgtool_failed(err);
	print_key(dev->private_key, dev->flags & WGDEV_HAS_PRIVATE_KEY);
	print_key(dev->public_key, dev->flags & WGDEV_HAS_PRIVATE_KEY);
	printf("%u\t", dev->listen_port);
	if (dev->fwmark != 0)
		printf("0x%x\n", dev->fwmark);
	else
		printf("off\n");
	for (struct wg_peer *p = dev->peers; p != NULL; p = p->next) {
		char host[NI_MAXHOST], serv[NI_MAXSERV];

		print_key(p->public_key, true);
		print_key(p->preshared_key, p->flags & WGPEER_HAS_PRESHARED_KEY);
		if ((p->endpoint.addr.sa_family == AF_INET ||
		     p->endpoint.addr.sa_family == AF_INET6) &&
		    getnameinfo(&p->endpoint.addr,
				p->endpoint.addr.sa_family == AF_INET ? sizeof(p->endpoint.addr4)
								      : sizeof(p->endpoint.addr6),
				host, sizeof(host), serv, sizeof(serv),
				NI_NUMERICHOST | NI_NUMERICSERV) == 0)
			printf(p->endpoint.addr.sa_family == AF_INET6 ? "[%s]:%s\t" : "%s:%s\t",
			       host, serv);
		else
			printf("(none)\t");
		if (p->allowedips == NULL)
			printf("(none)\t");
		for (struct wg_allowedip *a = p->allowedips; a != NULL; a = a->next) {
			char ip[INET6_ADDRSTRLEN];

			inet_ntop(a->family, &a->ip6, ip, sizeof(ip));
			printf("%s/%u%c", ip, a->cidr, a->next != NULL ? ',' : '\t');
		}
		printf("%llu\t%" PRIu64 "\t%" PRIu64 "\t",
		       (unsigned long long)p->last_handshake.tv_sec, p->rx_bytes, p->tx_bytes);
		if (p->keepalive != 0)
			printf("%u\n", p->keepalive);
		else
			printf("off\n");
	}
	wg_device_free(&dev);
	return 0;
}

static int cmd_set(const char *ifname, const char *keyfile, const char *port_s)
{
	struct wg_device dev = {0};
	char err[ERR_LEN];
	unsigned long port;
	int ret;

	if (parse_uint(port_s, 65535, &port) < 0) {
		fprintf(stderr, "kg-wgtool: invalid port '%s'\n", port_s);
		return 2;
	}
	if (key_file_read(dev.private_key, keyfile, err) < 0) {
		log_error("%s", err);
		return 1;
	}
	if (forced == NULL) {
		ret = wgipc_set_private_key_port(ifname, dev.private_key, (uint16_t)port, err);
	} else {
		snprintf(dev.name, sizeof(dev.name), "%s", ifname);
		dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
		dev.listen_port = (uint16_t)port;
		ret = wgtool_set_device(&dev, err);
	}
	sodium_memzero(&dev, sizeof(dev));
	return ret < 0 ? wgtool_failed(err) : 0;
}

static int parse_endpoint(struct wg_peer *p, const char *s)
{
	char host[256];
	const char *colon = strrchr(s, ':'), *h = s;
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	size_t hlen;

	if (colon == NULL)
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (s[0] == '[' && hlen >= 2 && s[hlen - 1] == ']') {
		h = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
		return -EINVAL;
	memcpy(&p->endpoint, res->ai_addr,
	       res->ai_addrlen < sizeof(p->endpoint) ? res->ai_addrlen : sizeof(p->endpoint));
	freeaddrinfo(res);
	p->flags |= WGPEER_HAS_ENDPOINT;
	return 0;
}

static int parse_allowedips(struct wg_peer *p, const char *list)
{
	struct wg_allowedip **tail = &p->allowedips;
	char *copy = strdup(list), *save = NULL;

	if (copy == NULL)
		return -ENOMEM;
	for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (wg_allowedip_parse(tail, tok) < 0) {
			fprintf(stderr, "kg-wgtool: invalid allowed IP '%s'\n", tok);
			free(copy);
			return -EINVAL;
		}
		tail = &(*tail)->next;
	}
	free(copy);
	return 0;
}

static int cmd_add_peer(int argc, char **argv)
{
	struct wg_peer *p = calloc(1, sizeof(*p));
	char err[ERR_LEN];
	unsigned long n;
	int ret = 2;

	if (p == NULL || argc < 3)
		goto out;
	if (key_from_base64(p->public_key, argv[1]) < 0) {
		fprintf(stderr, "kg-wgtool: invalid public key '%s'\n", argv[1]);
		goto out;
	}
	if (parse_allowedips(p, argv[2]) < 0)
		goto out;
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			goto out;
		if (strcmp(argv[i], "--endpoint") == 0) {
			if (parse_endpoint(p, argv[++i]) < 0) {
				fprintf(stderr, "kg-wgtool: invalid endpoint '%s'\n", argv[i]);
				goto out;
			}
		} else if (strcmp(argv[i], "--psk") == 0) {
			if (key_file_read(p->preshared_key, argv[++i], err) < 0) {
				log_error("%s", err);
				ret = 1;
				goto out;
			}
		} else if (strcmp(argv[i], "--keepalive") == 0) {
			if (parse_uint(argv[++i], 65535, &n) < 0) {
				fprintf(stderr, "kg-wgtool: invalid keepalive '%s'\n", argv[i]);
				goto out;
			}
			p->keepalive = (uint16_t)n;
			p->flags |= WGPEER_HAS_KEEPALIVE;
		} else {
			goto out;
		}
	}
	if (forced == NULL) {
		ret = wgipc_add_peer(argv[0], p, err) < 0 ? wgtool_failed(err) : 0;
	} else {
		struct wg_device dev = {.peers = p};

		snprintf(dev.name, sizeof(dev.name), "%s", argv[0]);
		p->flags |= WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_PRESHARED_KEY;
		ret = wgtool_set_device(&dev, err) < 0 ? wgtool_failed(err) : 0;
	}
out:
	if (ret == 2)
		usage();
	wg_peer_free(&p);
	return ret;
}

static int cmd_remove_peer(const char *ifname, const char *pub)
{
	struct wg_peer p = {.flags = WGPEER_REMOVE_ME};
	struct wg_device dev = {.peers = &p};
	char err[ERR_LEN];

	if (key_from_base64(p.public_key, pub) < 0) {
		fprintf(stderr, "kg-wgtool: invalid public key '%s'\n", pub);
		return 2;
	}
	if (forced == NULL)
		return wgipc_remove_peer(ifname, p.public_key, err) < 0 ? wgtool_failed(err) : 0;
	snprintf(dev.name, sizeof(dev.name), "%s", ifname);
	return wgtool_set_device(&dev, err) < 0 ? wgtool_failed(err) : 0;
}

int main(int argc, char **argv)
{
	unsigned long n, m;
	int i = 1;

	log_init("kg-wgtool", LOGL_WARN);
	if (key_init() < 0)
		return 1;
	if (argc > 2 && strcmp(argv[1], "--backend") == 0) {
		if (strcmp(argv[2], "kernel") == 0)
			forced = &wgipc_backend_netlink;
		else if (strcmp(argv[2], "userspace") == 0)
			forced = &wgipc_backend_uapi;
		else
			return usage();
		i = 3;
	}
	argc -= i;
	argv += i;
	if (argc < 2)
		return usage();
	if (strcmp(argv[0], "backend") == 0 && argc == 2) {
		printf("%s\n", backend(argv[1])->name);
		return 0;
	}
	if (strcmp(argv[0], "show") == 0 && argc == 2)
		return cmd_show(argv[1]);
	if (strcmp(argv[0], "set") == 0 && argc == 4)
		return cmd_set(argv[1], argv[2], argv[3]);
	if (strcmp(argv[0], "add-peer") == 0)
		return cmd_add_peer(argc - 1, argv + 1);
	if (strcmp(argv[0], "remove-peer") == 0 && argc == 3)
		return cmd_remove_peer(argv[1], argv[2]);
	if (strcmp(argv[0], "bulk") == 0 && argc == 4) {
		if (parse_uint(argv[2], 100000, &n) < 0 || parse_uint(argv[3], 1000, &m) < 0)
			return usage();
		return bulk_main(argv[1], n, m);
	}
	return usage();
}

/* SPDX-License-Identifier: ISC */
/*
 * wg-quick configuration files: one [Interface] and at most one [Peer] (the
 * gateway), limited to the keys that the WireGuard mobile apps import, so
 * that one text serves wg-quick on a laptop and a QR code on a phone:
 *
 *   [Interface]  PrivateKey, Address, DNS, MTU, ListenPort
 *   [Peer]       PublicKey, PresharedKey, Endpoint, AllowedIPs,
 *                PersistentKeepalive
 *
 * A name may ride along as a first line `# keygate: NAME`; the apps and
 * wg-quick drop comments.
 *
 * The struct holds keys: wipe it with wgq_config_finish. Text made by
 * wgq_format holds them too: wipe it with sodium_memzero.
 */
#ifndef KEYGATE_WGQ_H
#define KEYGATE_WGQ_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/key.h"
#include "base/text.h"

#define WGQ_MAX_ADDRS      8
#define WGQ_MAX_DNS        8
#define WGQ_MAX_ALLOWEDIPS 32
#define WGQ_NAME_MAX       63                 /* a peer name in the comment */
#define WGQ_HOST_MAX       253                /* a DNS name */
#define WGQ_ENDPOINT_MAX   (WGQ_HOST_MAX + 8) /* host or [v6], ':', port */
/* Enough for any config the limits above allow. */
#define WGQ_TEXT_MAX 8192

/* An address with a prefix length: "10.77.0.5/32", "fd77::/64". */
struct wgq_prefix {
	uint16_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
	uint8_t cidr;
};

enum wgq_flags {
	WGQ_HAS_PRIVATE_KEY = 1U << 0,
	WGQ_HAS_MTU = 1U << 1,
	WGQ_HAS_LISTEN_PORT = 1U << 2,
	WGQ_HAS_PEER = 1U << 3, /* then public_key is set */
	WGQ_HAS_PRESHARED_KEY = 1U << 4,
	WGQ_HAS_KEEPALIVE = 1U << 5,
};

struct wgq_config {
	uint32_t flags;
	char name[WGQ_NAME_MAX + 1]; /* "": no comment */

	/* [Interface] */
	uint8_t private_key[KEY_LEN];
	struct wgq_prefix addrs[WGQ_MAX_ADDRS];
	size_t n_addrs;
	/* An IP address, or a DNS name the apps take as a search domain. */
	char dns[WGQ_MAX_DNS][WGQ_HOST_MAX + 1];
	size_t n_dns;
	uint16_t mtu;
	uint16_t listen_port;

	/* [Peer] */
	uint8_t public_key[KEY_LEN];
	uint8_t preshared_key[KEY_LEN];
	char endpoint[WGQ_ENDPOINT_MAX + 1]; /* "": none; else "host:port" */
	struct wgq_prefix allowedips[WGQ_MAX_ALLOWEDIPS];
	size_t n_allowedips;
	uint16_t keepalive; /* seconds */
};

/* Zeroes c: no flags, no lists. */
void wgq_config_init(struct wgq_config *c);
/* Wipes the keys (the whole struct). */
void wgq_config_finish(struct wgq_config *c);

/*
 * Checks a config as the writer and the apps need it: a private key; a
 * peer public key when there is a peer; names, DNS entries and the
 * endpoint well formed; MTU 576..65535, ports and keepalive 1..65535.
 * 0 or -EINVAL with one line in err naming the field and the value.
 */
int wgq_validate(const struct wgq_config *c, char err[ERR_LEN]);

/*
 * Writes the text into buf (NUL-terminated), *len its length without the
 * NUL. Fields in a fixed order, `Key = value`, one blank line between the
 * sections, a final newline. 0, -EINVAL (see wgq_validate), -ENOSPC or
 * -ENOMEM, with one line in err; on failure buf is all zero.
 */
int wgq_format(const struct wgq_config *c, char *buf, size_t size, size_t *len, char err[ERR_LEN]);

/*
 * Reads a config of the shape above: keys case-insensitive, `#` starts a
 * comment, the `# keygate: NAME` comment fills name. Unknown sections or
 * keys, repeated single keys, a second [Peer], bad values: -EINVAL and one
 * line in err, "line 4: invalid PublicKey 'abc'". Text need not end in NUL.
 * On failure c is wiped.
 */
int wgq_parse(struct wgq_config *c, const char *text, size_t len, char err[ERR_LEN]);

/* "10.0.0.2/32", "fd00::2/128"; a bare address takes the full length.
 * 0 or -EINVAL. */
int wgq_prefix_parse(struct wgq_prefix *p, const char *s);
/* Into buf of at least WGQ_PREFIX_STRLEN bytes. */
#define WGQ_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)
void wgq_prefix_format(const struct wgq_prefix *p, char *buf);
/* The prefix with its host bits cleared ("10.77.0.1/24" -> "10.77.0.0/24"). */
void wgq_prefix_network(struct wgq_prefix *p);

/* A DNS name: labels of letters, digits and '-', 1..63 each, 253 in all. */
bool wgq_hostname_valid(const char *s);
/* "host:port", "1.2.3.4:port" or "[v6]:port", port 1..65535. */
bool wgq_endpoint_valid(const char *s);
/* A name for the comment: 1..63 of letters, digits, '.', '_', '-', '@', '+'. */
bool wgq_name_valid(const char *s);

#endif

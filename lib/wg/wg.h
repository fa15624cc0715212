/* SPDX-License-Identifier: ISC */
/*
 * A WireGuard device as the backends read and write it: a device holds
 * peers, a peer holds allowed IPs, a flags mask says which fields are set
 * (wireguard-tools containers.h). wgipc.h reads and changes a live
 * interface through one of two backends, uapi.h (userspace) and wgnl.h
 * (kernel); this module is what all of them share and depends on none.
 */
#ifndef KEYGATE_WG_H
#define KEYGATE_WG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "base/key.h"
#include "base/text.h"

struct wg_allowedip {
	uint16_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	};
	uint8_t cidr;
	struct wg_allowedip *next;
};

enum wg_peer_flags {
	WGPEER_REMOVE_ME = 1U << 0,
	WGPEER_REPLACE_ALLOWEDIPS = 1U << 1,
	WGPEER_HAS_PRESHARED_KEY = 1U << 2,
	WGPEER_HAS_KEEPALIVE = 1U << 3,
	WGPEER_HAS_ENDPOINT = 1U << 4,
	WGPEER_UPDATE_ONLY = 1U << 5, /* change the peer only if it exists */
};

struct wg_peer {
	uint32_t flags;
	uint8_t public_key[KEY_LEN];
	uint8_t preshared_key[KEY_LEN]; /* all zero: none */
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	} endpoint;                     /* sa_family 0: none */
	struct timespec last_handshake; /* wall clock; zero: never */
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint16_t keepalive;              /* seconds; 0: off */
	struct wg_allowedip *allowedips; /* list, in the order given or read */
	struct wg_peer *next;
};

enum wg_device_flags {
	WGDEV_HAS_PRIVATE_KEY = 1U << 0,
	WGDEV_HAS_LISTEN_PORT = 1U << 1,
	WGDEV_HAS_FWMARK = 1U << 2,
	WGDEV_REPLACE_PEERS = 1U << 3,
};

struct wg_device {
	char name[IFNAMSIZ];
	uint32_t flags;
	uint8_t private_key[KEY_LEN]; /* read: only when set on the device */
	uint8_t public_key[KEY_LEN];  /* read only */
	uint16_t listen_port;
	uint32_t fwmark;
	struct wg_peer *peers; /* list */
};

/* Finds a peer of a device, or NULL. */
struct wg_peer *wg_device_find_peer(const struct wg_device *dev, const uint8_t public_key[KEY_LEN]);

/* NULL-safe; wipes keys, frees peers and allowed IPs, sets *dev = NULL.
 * wg_peer_free frees one peer and its allowed IPs, not the peers after it. */
void wg_device_free(struct wg_device **dev);
void wg_peer_free(struct wg_peer **peer);

/* Parses "10.0.0.2/32" or "fd00::2/128" (a bare address takes the full
 * prefix) into a new list node (free() it, or link it to a peer for
 * wg_peer_free); 0, -EINVAL or -ENOMEM.
 * No err: the caller knows what the string was. */
int wg_allowedip_parse(struct wg_allowedip **out, const char *s);

/* 0, or -EINVAL with a line in err, for a name that cannot be an interface
 * (empty, IFNAMSIZ or longer, spaces or control bytes) or that would lead
 * out of a directory of sockets ("..", a '/'). */
int wg_check_ifname(const char *ifname, char err[ERR_LEN]);

/* text_err for the backends: the line may quote what another process sent,
 * so it is cut at the first line break and other control bytes become '?'
 * (no terminal escapes in an admin's log). */
void wg_err(char err[ERR_LEN], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

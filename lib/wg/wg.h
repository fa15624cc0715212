/* SPDX-License-Identifier: ISC */
/*
 * Controlling a WireGuard interface. Two backends hide behind these
 * functions and are picked at run time per interface, as wireguard-tools
 * does: when the UAPI socket /var/run/wireguard/IF.sock exists, the
 * interface is served by a userspace implementation (wireguard-go,
 * boringtun) and is driven over that socket; otherwise it is a kernel
 * interface, driven over the generic-netlink family "wireguard".
 *
 * vpnd only adds and removes peers, sets pre-shared keys, its own key and
 * port, and reads handshake times; nothing here is on a packet path.
 *
 * All functions return 0 or -errno. On failure, wg_last_error() holds one
 * line naming the interface and the cause, for example
 * "wg0: no such WireGuard interface" or "wg0: malformed UAPI reply at line 3".
 */
#ifndef KEYGATE_WG_H
#define KEYGATE_WG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "base/keys.h"

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

/* What wg_get_device / wg_set_device run on; the tests and the
 * kernel-under-qemu harness call one directly. */
struct wg_backend {
	const char *name; /* "userspace" or "kernel" */
	int (*get_device)(struct wg_device **dev, const char *ifname);
	int (*set_device)(const struct wg_device *dev);
};
extern const struct wg_backend wg_backend_uapi;
extern const struct wg_backend wg_backend_netlink;

/* The backend that serves ifname now. */
const struct wg_backend *wg_backend_for(const char *ifname);

/* Reads the whole device; *dev is allocated, free it with wg_device_free. */
int wg_get_device(struct wg_device **dev, const char *ifname);
/* Applies dev->flags and each peer's flags; peers not listed are untouched
 * unless WGDEV_REPLACE_PEERS is set. */
int wg_set_device(const struct wg_device *dev);

/* Convenience calls that vpnd and enroll use. */
int wg_set_private_key_port(const char *ifname, const uint8_t private_key[KEY_LEN],
			    uint16_t listen_port);
/* Adds the peer, or updates it; its allowed IPs are replaced by the given
 * ones; a preshared key (all zero = none) is always set; the endpoint and
 * keepalive only when their flags are set. Other peer flags and peer->next
 * are ignored. */
int wg_add_peer(const char *ifname, const struct wg_peer *peer);
/* Removing a peer that is not there succeeds. */
int wg_remove_peer(const char *ifname, const uint8_t public_key[KEY_LEN]);

/* Finds a peer of a device read by wg_get_device, or NULL. */
struct wg_peer *wg_device_find_peer(const struct wg_device *dev, const uint8_t public_key[KEY_LEN]);

/* NULL-safe; wipes keys, frees peers and allowed IPs, sets *dev = NULL.
 * wg_peer_free frees one peer and its allowed IPs, not the peers after it. */
void wg_device_free(struct wg_device **dev);
void wg_peer_free(struct wg_peer **peer);

/* Parses "10.0.0.2/32" or "fd00::2/128" (a bare address takes the full
 * prefix) into a new list node (free() it, or link it to a peer for
 * wg_peer_free); 0, -EINVAL or -ENOMEM.
 * Sets no error line: the caller knows what the string was. */
int wg_allowedip_parse(struct wg_allowedip **out, const char *s);

/* One line about the last failure in this thread. */
const char *wg_last_error(void);
/* Used by the backends to set it; printf-like. */
void wg_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/* SPDX-License-Identifier: ISC */
/*
 * Controlling a live WireGuard interface. Two backends hide behind these
 * functions and are picked at run time per interface, as wireguard-tools'
 * ipc.c does: when the UAPI socket /var/run/wireguard/IF.sock exists, the
 * interface is served by a userspace implementation (wireguard-go,
 * boringtun) and is driven over that socket (uapi.h); otherwise it is a
 * kernel interface, driven over the generic-netlink family "wireguard"
 * (wgnl.h).
 *
 * vpnd only adds and removes peers, sets pre-shared keys, its own key and
 * port, and reads handshake times; nothing here is on a packet path.
 *
 * All functions return 0 or -errno; on failure err holds one line naming
 * the interface and the cause, for example "wg0: no such WireGuard
 * interface" or "wg0: malformed UAPI reply at line 3".
 */
#ifndef KEYGATE_WGIPC_H
#define KEYGATE_WGIPC_H

#include <stdint.h>

#include "base/key.h"
#include "base/text.h"
#include "wg/wg.h"

/* What wgipc_get_device / wgipc_set_device run on; the tests and
 * kg-wgtool call one directly. */
struct wgipc_backend {
	const char *name; /* "userspace" or "kernel" */
	int (*get_device)(struct wg_device **dev, const char *ifname, char err[ERR_LEN]);
	int (*set_device)(const struct wg_device *dev, char err[ERR_LEN]);
};
extern const struct wgipc_backend wgipc_backend_uapi;
extern const struct wgipc_backend wgipc_backend_netlink;

/* The backend that serves ifname now. */
const struct wgipc_backend *wgipc_backend_for(const char *ifname);

/* Reads the whole device; *dev is allocated, free it with wg_device_free. */
int wgipc_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN]);
/* Applies dev->flags and each peer's flags; peers not listed are untouched
 * unless WGDEV_REPLACE_PEERS is set. */
int wgipc_set_device(const struct wg_device *dev, char err[ERR_LEN]);

/* Convenience calls that vpnd and enroll use. */
int wgipc_set_private_key_port(const char *ifname, const uint8_t private_key[KEY_LEN],
			       uint16_t listen_port, char err[ERR_LEN]);
/* Adds the peer, or updates it; its allowed IPs are replaced by the given
 * ones; a preshared key (all zero = none) is always set; the endpoint and
 * keepalive only when their flags are set. Other peer flags and peer->next
 * are ignored. */
int wgipc_add_peer(const char *ifname, const struct wg_peer *peer, char err[ERR_LEN]);
/* Removing a peer that is not there succeeds. */
int wgipc_remove_peer(const char *ifname, const uint8_t public_key[KEY_LEN], char err[ERR_LEN]);

#endif

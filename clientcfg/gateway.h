/* SPDX-License-Identifier: ISC */
/*
 * What clientcfg needs from vpnd: the gateway's public key, endpoint and
 * tunnel network from its config (gateway/conf.h), and the registration of
 * a new phone peer through the running daemon's control socket
 * (gateway/ctl.h). Each function logs one line saying what failed and
 * returns 0 or -errno.
 */
#ifndef CLIENTCFG_GATEWAY_H
#define CLIENTCFG_GATEWAY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/conf.h"
#include "base/key.h"
#include "wg/wgq.h"

struct gateway {
	char socket[PATH_MAX]; /* vpnd's control socket, from the config */
	uint8_t public_key[KEY_LEN];
	char endpoint[WGQ_ENDPOINT_MAX + 1];            /* "host:port" or "[v6]:port" */
	struct wgq_prefix networks[CONF_MAX_ADDRESSES]; /* host bits cleared, no repeats */
	size_t n_networks;
	bool web; /* [Web]: the owner registers a key on vpnd's page */
};

#define PHONE_ADDRS_MAX 2 /* IPv4 and IPv6 */

struct phone_peer {
	const char *name;
	const char *owner;
	uint8_t public_key[KEY_LEN];
	uint8_t preshared_key[KEY_LEN]; /* vpnd sets it on the peer when it activates */
	/* The phone's tunnel addresses, one per network of the interface:
	 * what --address gave (n_addrs 1) or none; vpnd picks the rest and
	 * gateway_register fills them all in. */
	struct wgq_prefix addrs[PHONE_ADDRS_MAX];
	int n_addrs;
	char web_uri[512]; /* with [Web]: the register page's link, or "" */
};

int gateway_load(struct gateway *gw, const char *conf);
/* Registers p as a disabled mobile peer of p->owner, an owner vpnd knows
 * already; fills in p->addrs. */
int gateway_register(const struct gateway *gw, struct phone_peer *p);
/* Undoes gateway_register when the config could not be written. */
int gateway_unregister(const struct gateway *gw, const char *name);

#endif

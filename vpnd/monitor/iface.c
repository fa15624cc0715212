/* SPDX-License-Identifier: ISC */
/*
 * Bringing the interface to the state the sessions say, at start: first
 * every peer without a live session goes (before anything else happens),
 * then the interface is created or configured, then the peers of live
 * sessions are put back (those that survived on the interface keep their
 * WireGuard state, as they are updated, not re-added: gate_restore).
 *
 * Below gate.c: what it needs of sessions it reads from state/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/audit.h"
#include "base/log.h"
#include "monitor/iface.h"
#include "monitor/rtnl.h"
#include "wg/wg.h"
#include "wg/wgipc.h"

void iface_free_peers(struct wg_peer *list)
{
	while (list != NULL) {
		struct wg_peer *next = list->next;

		wg_peer_free(&list);
		list = next;
	}
}

int iface_reconcile(struct vpnd *d)
{
	struct wg_device *dev = NULL, set = {0};
	struct wg_peer *rm = NULL;
	unsigned removed = 0;
	char n[16], err[ERR_LEN];
	int ret;

	ret = wgipc_get_device(&dev, d->conf.ifname, err);
	/* No interface: no peer can be on it. A link that is there but
	 * unreadable (its userspace WireGuard gone quiet) is an error. */
	if ((ret == -ENODEV || ret == -ENOENT) && rtnl_link_index(d->conf.ifname) == -ENODEV)
		return 0;
	if (ret < 0) {
		log_error("cannot read %s: %s", d->conf.ifname, err);
		return ret;
	}
	for (struct wg_peer *p = dev->peers; p != NULL; p = p->next) {
		struct wg_peer *r;

		if (session_find_key(&d->sessions, p->public_key) != NULL)
			continue;
		r = calloc(1, sizeof(*r));
		if (r == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(r->public_key, p->public_key, KEY_LEN);
		r->flags = WGPEER_REMOVE_ME;
		r->next = rm;
		rm = r;
		removed++;
	}
	if (rm != NULL) {
		strcpy(set.name, d->conf.ifname);
		set.peers = rm;
		ret = wgipc_set_device(&set, err);
		if (ret < 0) {
			log_error("cannot remove stale peers from %s: %s", d->conf.ifname, err);
			goto out;
		}
		snprintf(n, sizeof(n), "%u", removed);
		audit_event("reconcile", "interface", d->conf.ifname, "removed", n, NULL);
	}
	ret = 0;
out:
	iface_free_peers(rm);
	wg_device_free(&dev);
	return ret;
}

int iface_setup(struct vpnd *d)
{
	const char *ifname = d->conf.ifname;
	char err[ERR_LEN];
	int ret;

	if (wgipc_backend_for(ifname) == &wgipc_backend_netlink &&
	    rtnl_link_index(ifname) == -ENODEV) {
		ret = rtnl_link_add_wireguard(ifname, err);
		if (ret == -EOPNOTSUPP) {
			log_error("%s: the kernel has no WireGuard and no userspace WireGuard "
				  "serves it (start one, e.g. `wireguard-go %s`, first)",
				  ifname, ifname);
			return ret;
		}
		if (ret < 0 && ret != -EEXIST) {
			log_error("cannot create %s: %s", ifname, err);
			return ret;
		}
		log_info("created WireGuard interface %s", ifname);
	}
	ret = wgipc_set_private_key_port(ifname, d->private_key, d->conf.listen_port, err);
	if (ret < 0) {
		log_error("cannot set the key and port of %s: %s", ifname, err);
		return ret;
	}
	for (int i = 0; i < d->conf.n_addresses; i++) {
		const struct ipaddr *a = &d->conf.addresses[i];

		ret = rtnl_addr_add(ifname, a->family, a->bytes, a->prefix, err);
		if (ret < 0) {
			log_error("cannot add an address to %s: %s", ifname, err);
			return ret;
		}
	}
	ret = rtnl_link_up(ifname, err);
	if (ret < 0) {
		log_error("cannot bring %s up: %s", ifname, err);
		return ret;
	}
	return 0;
}

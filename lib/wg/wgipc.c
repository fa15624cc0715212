/* SPDX-License-Identifier: ISC */
/*
 * Choosing a backend per interface, and the convenience calls built on
 * wgipc_set_device. The backends never call back up here.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "wg/uapi.h"
#include "wg/wgipc.h"
#include "wg/wgnl.h"

const struct wgipc_backend wgipc_backend_uapi = {
	.name = "userspace",
	.get_device = uapi_get_device,
	.set_device = uapi_set_device,
};

const struct wgipc_backend wgipc_backend_netlink = {
	.name = "kernel",
	.get_device = wgnl_get_device,
	.set_device = wgnl_set_device,
};

const struct wgipc_backend *wgipc_backend_for(const char *ifname)
{
	return uapi_serves(ifname) ? &wgipc_backend_uapi : &wgipc_backend_netlink;
}

int wgipc_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN])
{
	int ret;

	*dev = NULL;
	ret = wg_check_ifname(ifname, err);
	if (ret < 0)
		return ret;
	return wgipc_backend_for(ifname)->get_device(dev, ifname, err);
}

int wgipc_set_device(const struct wg_device *dev, char err[ERR_LEN])
{
	int ret = wg_check_ifname(dev->name, err);

	if (ret < 0)
		return ret;
	return wgipc_backend_for(dev->name)->set_device(dev, err);
}

static int device_init(struct wg_device *dev, const char *ifname, char err[ERR_LEN])
{
	memset(dev, 0, sizeof(*dev));
	if (wg_check_ifname(ifname, err) < 0)
		return -EINVAL;
	memcpy(dev->name, ifname, strlen(ifname) + 1);
	return 0;
}

int wgipc_set_private_key_port(const char *ifname, const uint8_t private_key[KEY_LEN],
			       uint16_t listen_port, char err[ERR_LEN])
{
	struct wg_device dev;
	int ret = device_init(&dev, ifname, err);

	if (ret < 0)
		return ret;
	dev.flags = WGDEV_HAS_PRIVATE_KEY | WGDEV_HAS_LISTEN_PORT;
	memcpy(dev.private_key, private_key, KEY_LEN);
	dev.listen_port = listen_port;
	ret = wgipc_set_device(&dev, err);
	sodium_memzero(&dev, sizeof(dev));
	return ret;
}

int wgipc_add_peer(const char *ifname, const struct wg_peer *peer, char err[ERR_LEN])
{
	struct wg_device dev;
	struct wg_peer p;
	int ret = device_init(&dev, ifname, err);

	if (ret < 0)
		return ret;
	p = *peer;
	p.next = NULL;
	p.flags &= WGPEER_HAS_ENDPOINT | WGPEER_HAS_KEEPALIVE;
	p.flags |= WGPEER_REPLACE_ALLOWEDIPS | WGPEER_HAS_PRESHARED_KEY;
	dev.peers = &p;
	ret = wgipc_set_device(&dev, err);
	sodium_memzero(&p, sizeof(p));
	return ret;
}

int wgipc_remove_peer(const char *ifname, const uint8_t public_key[KEY_LEN], char err[ERR_LEN])
{
	struct wg_device dev;
	struct wg_peer p;
	int ret = device_init(&dev, ifname, err);

	if (ret < 0)
		return ret;
	memset(&p, 0, sizeof(p));
	p.flags = WGPEER_REMOVE_ME;
	memcpy(p.public_key, public_key, KEY_LEN);
	dev.peers = &p;
	return wgipc_set_device(&dev, err);
}

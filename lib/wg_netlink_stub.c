/* SPDX-License-Identifier: ISC */
/*
 * TEMPORARY: stands in for the kernel backend (lib/wg_netlink.c) until it
 * lands; drop this file from lib_src when merging the real one.
 */
#include <errno.h>
#include <net/if.h>

#include "wg.h"

static int stub_fail(const char *ifname)
{
	if (if_nametoindex(ifname) == 0) {
		wg_set_error("%s: no such WireGuard interface", ifname);
		return -ENODEV;
	}
	wg_set_error("%s: kernel backend not built", ifname);
	return -EOPNOTSUPP;
}

static int stub_get_device(struct wg_device **dev, const char *ifname)
{
	*dev = NULL;
	return stub_fail(ifname);
}

static int stub_set_device(const struct wg_device *dev)
{
	return stub_fail(dev->name);
}

const struct wg_backend wg_backend_netlink = {
	.name = "kernel",
	.get_device = stub_get_device,
	.set_device = stub_set_device,
};

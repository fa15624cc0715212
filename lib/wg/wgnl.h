/* SPDX-License-Identifier: ISC */
/*
 * The kernel backend (wgipc.h): the generic netlink family "wireguard"
 * (linux/wireguard.h) through libmnl. This module talks to the kernel; the
 * messages are built (wgnl_msg.h) and parsed (wgnl_parse.h) without
 * sockets, so the unit tests check them byte by byte and the fuzzer feeds
 * the parser. The backend's calls return 0 or -errno and on failure leave
 * one line in err.
 */
#ifndef KEYGATE_WGNL_H
#define KEYGATE_WGNL_H

#include "base/text.h"
#include "wg/wg.h"

/* The backend's two calls. */
int wgnl_get_device(struct wg_device **dev, const char *ifname, char err[ERR_LEN]);
int wgnl_set_device(const struct wg_device *dev, char err[ERR_LEN]);

#endif

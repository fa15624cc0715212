/* SPDX-License-Identifier: ISC */
/*
 * The few rtnetlink operations vpnd needs around a kernel WireGuard
 * interface, through libmnl. All return 0 or -errno; those that take err
 * leave there, on failure, one line naming the interface and the cause.
 */
#ifndef KEYGATE_RTNL_H
#define KEYGATE_RTNL_H

#include <stdint.h>

#include "base/text.h"

/* The interface index (> 0), -ENODEV when there is no such link, -EINVAL
 * for a name no link can have. */
int rtnl_link_index(const char *ifname);
/* Creates a link of kind "wireguard"; -EEXIST when the name is taken,
 * -EOPNOTSUPP when the kernel has no WireGuard. */
int rtnl_link_add_wireguard(const char *ifname, char err[ERR_LEN]);
int rtnl_link_del(const char *ifname, char err[ERR_LEN]);
/* Adds an address (AF_INET: 4 bytes, AF_INET6: 16 bytes); one that is
 * already there is success. */
int rtnl_addr_add(const char *ifname, int family, const void *addr, uint8_t prefixlen,
		  char err[ERR_LEN]);
int rtnl_link_up(const char *ifname, char err[ERR_LEN]);

#endif

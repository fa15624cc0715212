/* SPDX-License-Identifier: ISC */
/* Tunnel addresses and networks, IPv4 and IPv6. */
#ifndef KEYGATE_IPADDR_H
#define KEYGATE_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPADDR_KEY_LEN 17 /* family and bytes: what identifies an address */
#define IPADDR_STR_LEN 48
/* Room for a list of one address per family, commas between. */
#define IPADDR_LIST_STR_LEN (2 * IPADDR_STR_LEN)

struct ipaddr {
	uint8_t family;    /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* IPv4 in the first 4, the rest zero */
	uint8_t prefix;
};

/* "10.77.0.1/24" or "fd77::1/64"; with want_prefix false a bare address
 * (prefix = full length) and a "/N" is refused. 0 or -EINVAL. */
int ipaddr_parse(struct ipaddr *a, const char *s, bool want_prefix);
void ipaddr_format(const struct ipaddr *a, char *out, size_t len, bool with_prefix);
/* "10.77.0.2,fd77::2": at most max bare addresses, commas between, no
 * family twice (a peer has one address per family). The count (1 or
 * more), or -EINVAL. */
int ipaddr_parse_list(struct ipaddr *out, int max, const char *s);
/* The list as ipaddr_parse_list reads it. */
void ipaddr_format_list(const struct ipaddr *a, int n, char *out, size_t len, bool with_prefix);
/* The host part of a inside its network net: its index for ipaddr_nth
 * (the low bits, up to 32 of them, as ipaddr_net_size caps). */
uint64_t ipaddr_host_index(const struct ipaddr *a, const struct ipaddr *net);
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* Is a inside the network net (net->prefix bits)? */
bool ipaddr_in_net(const struct ipaddr *a, const struct ipaddr *net);
/* The n-th address of the network (0 is the network address); -ERANGE
 * when the network has no such host. */
int ipaddr_nth(struct ipaddr *out, const struct ipaddr *net, uint64_t n);
/* How many addresses the network has, capped at 2^32. */
uint64_t ipaddr_net_size(const struct ipaddr *net);

#endif

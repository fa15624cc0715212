/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/ipaddr.h"

int ipaddr_parse(struct ipaddr *a, const char *s, bool want_prefix)
{
	char buf[IPADDR_STR_LEN];
	char *slash;
	unsigned long prefix;
	unsigned max;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if ((slash != NULL) != want_prefix)
		return -EINVAL;
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->bytes) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	max = a->family == AF_INET ? 32 : 128;
	a->prefix = (uint8_t)max;
	if (slash != NULL) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || prefix > max)
			return -EINVAL;
		a->prefix = (uint8_t)prefix;
	}
	return 0;
}

void ipaddr_format(const struct ipaddr *a, char *out, size_t len, bool with_prefix)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, buf, sizeof(buf)) ==
	    NULL)
		snprintf(buf, sizeof(buf), "?");
	if (with_prefix)
		snprintf(out, len, "%s/%u", buf, a->prefix);
	else
		snprintf(out, len, "%s", buf);
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return memcmp(a, b, IPADDR_KEY_LEN) == 0;
}

bool ipaddr_in_net(const struct ipaddr *a, const struct ipaddr *net)
{
	unsigned bits = net->prefix, i;

	if (a->family != net->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a->bytes[i] != net->bytes[i])
			return false;
	if (bits > 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((a->bytes[i] & mask) != (net->bytes[i] & mask))
			return false;
	}
	return true;
}

uint64_t ipaddr_net_size(const struct ipaddr *net)
{
	unsigned hostbits = (net->family == AF_INET ? 32U : 128U) - net->prefix;

	return hostbits >= 32 ? (1ULL << 32) : (1ULL << hostbits);
}

int ipaddr_nth(struct ipaddr *out, const struct ipaddr *net, uint64_t n)
{
	unsigned len = net->family == AF_INET ? 4 : 16;
	uint64_t carry = n;

	if (n >= ipaddr_net_size(net))
		return -ERANGE;
	*out = *net;
	out->prefix = (uint8_t)(len * 8);
	/* Clear the host bits, then add n from the last byte up. */
	for (unsigned i = 0; i < len; i++) {
		unsigned bit0 = i * 8;

		if (bit0 + 8 <= net->prefix)
			continue;
		if (bit0 >= net->prefix)
			out->bytes[i] = 0;
		else
			out->bytes[i] &= (uint8_t)(0xff << (8 - (net->prefix - bit0)));
	}
	for (unsigned i = len; i-- > 0 && carry != 0;) {
		unsigned v = out->bytes[i] + (unsigned)(carry & 0xff);

		out->bytes[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
	return 0;
}

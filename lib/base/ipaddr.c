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

int ipaddr_parse_list(struct ipaddr *out, int max, const char *s)
{
	char item[IPADDR_STR_LEN];
	int n = 0;

	for (;;) {
		size_t len = strcspn(s, ",");

		if (n == max || len == 0 || len >= sizeof(item))
			return -EINVAL;
		memcpy(item, s, len);
		item[len] = '\0';
		if (ipaddr_parse(&out[n], item, false) < 0)
			return -EINVAL;
		for (int i = 0; i < n; i++)
			if (out[i].family == out[n].family)
				return -EINVAL;
		n++;
		if (s[len] == '\0')
			return n;
		s += len + 1;
	}
}

void ipaddr_format_list(const struct ipaddr *a, int n, char *out, size_t len, bool with_prefix)
{
	size_t at = 0;

	if (len > 0)
		out[0] = '\0';
	for (int i = 0; i < n && at + 1 < len; i++) {
		if (i > 0)
			out[at++] = ',';
		ipaddr_format(&a[i], out + at, len - at, with_prefix);
		at += strlen(out + at);
	}
}

uint64_t ipaddr_host_index(const struct ipaddr *a, const struct ipaddr *net)
{
	unsigned len = a->family == AF_INET ? 4 : 16;
	uint64_t v = 0;

	/* The last four bytes hold every host part a network of at most
	 * 2^32 addresses (ipaddr_net_size's cap) can index. */
	for (unsigned i = len - 4; i < len; i++)
		v = v << 8 | a->bytes[i];
	return v % ipaddr_net_size(net);
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

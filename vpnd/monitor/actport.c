/* SPDX-License-Identifier: ISC */
/* The activation port's socket and keys (actport.h); above lib only. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/log.h"
#include "monitor/actport.h"
#include "proto/proto.h"

int actport_bind(uint16_t port)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	int off = 0, fd, e;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
			return fd;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0)
		return fd;
	e = errno;
	if (fd >= 0)
		close(fd);
	log_error("cannot listen on UDP port %u for activations: %s", port, strerror(e));
	return -e;
}

void actport_public_key(uint8_t pub[KEY_LEN], const uint8_t wg_sk[KEY_LEN])
{
	uint8_t sk[KEY_LEN];

	proto_activation_key(sk, wg_sk);
	crypto_scalarmult_base(pub, sk);
	sodium_memzero(sk, sizeof(sk));
}

/* SPDX-License-Identifier: ISC */
/* A listening TCP socket for the network child (tcplisten.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/ipaddr.h"
#include "monitor/tcplisten.h"

int tcplisten_open(const char *host, uint16_t port, const char *what, char err[ERR_LEN])
{
	struct sockaddr_storage ss = {0};
	struct ipaddr a;
	socklen_t sl;
	int fd, one = 1, e;

	if (ipaddr_parse(&a, host, false) < 0) {
		text_err(err, "invalid %s address '%s'", what, host);
		return -EINVAL;
	}
	if (a.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a.bytes, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a.bytes, 16);
		sl = sizeof(*s6);
	}
	fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0)
		goto fail;
	return fd;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	text_err(err, "cannot listen on %s %s%s%s:%u: %s", what, a.family == AF_INET6 ? "[" : "",
		 host, a.family == AF_INET6 ? "]" : "", port, strerror(e));
	return -e;
}

/* SPDX-License-Identifier: ISC */
/* libmicrohttpd from the child's poll loop (mhdpoll.h). */
#include <sys/select.h>

#include "netchild/mhdpoll.h"

size_t mhdpoll_fds(struct MHD_Daemon *d, struct pollfd *p, size_t cap, int *timeout_ms)
{
	fd_set r, w, e;
	MHD_socket max = 0;
	MHD_UNSIGNED_LONG_LONG t;
	size_t n = 0;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	if (MHD_get_fdset(d, &r, &w, &e, &max) != MHD_YES)
		return 0;
	for (int fd = 0; fd <= max && n < cap; fd++) {
		short ev =
			(short)((FD_ISSET(fd, &r) ? POLLIN : 0) | (FD_ISSET(fd, &w) ? POLLOUT : 0));

		if (ev != 0)
			p[n++] = (struct pollfd){.fd = fd, .events = ev};
	}
	if (MHD_get_timeout(d, &t) == MHD_YES && t < (MHD_UNSIGNED_LONG_LONG)*timeout_ms)
		*timeout_ms = (int)t;
	return n;
}

void mhdpoll_run(struct MHD_Daemon *d, const struct pollfd *p, size_t n)
{
	fd_set r, w, e;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	for (size_t i = 0; i < n; i++) {
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
			FD_SET(p[i].fd, &r);
		if (p[i].revents & (POLLOUT | POLLERR))
			FD_SET(p[i].fd, &w);
	}
	MHD_run_from_select(d, &r, &w, &e);
}

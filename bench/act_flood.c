/* SPDX-License-Identifier: ISC */
/*
 * A flood of real activations for tests/netns/crash.sh, with the
 * daemon benchmark's clients (loadgen.h):
 *
 *   act-flood URIFILE SRCNET SECONDS
 *
 * Enrolls a device per URI, then keeps one exchange per device in flight
 * for SECONDS, whether the gateway answers or not (the test kills it and
 * starts it again meanwhile). Every activation the gateway answers with
 * OK is a line on stdout, at once: "granted PEER COUNTER", the peer's
 * name from its URI and the sign counter of that activation's assertion.
 * A gateway that loses nothing has, after a crash and a restart, each
 * key's counter at least at the last one granted before the crash. Exit
 * 1 when no device enrolled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench.h"
#include "loadgen.h"

#define TIMEOUT_S 0.25
#define TRIES     4
#define MAX_DEVS  256

int main(int argc, char **argv)
{
	static struct loadgen_device devs[MAX_DEVS];
	static struct loadgen_exchange xs[MAX_DEVS];
	struct loadgen lg = {.devs = devs};
	struct epoll_event ev[64];
	unsigned long ok = 0, failed = 0;
	struct in_addr base;
	double end;
	int ep;

	if (argc != 4 || inet_pton(AF_INET, argv[2], &base) != 1 || atof(argv[3]) <= 0) {
		fprintf(stderr, "usage: act-flood URIFILE SRCNET SECONDS\n");
		return 2;
	}
	if (key_init() < 0)
		return 1;
	lg.src_base = ntohl(base.s_addr);
	if (loadgen_enroll_uris(&lg, argv[1], "act-flood") < 0) {
		fprintf(stderr, "act-flood: no device enrolled\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("enrolled %d\n", lg.n_devs);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return 1;
	end = bench_now_s() + atof(argv[3]);
	for (int i = 0; i < lg.n_devs; i++)
		xs[i] = (struct loadgen_exchange){.fd = -1};
	while (bench_now_s() < end) {
		double now = bench_now_s();
		int n;

		/* Exchange i is device i's: its counter reaches the gateway in
		 * order, as a security key's does. */
		for (int i = 0; i < lg.n_devs; i++) {
			struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};

			if (xs[i].stage != 0)
				continue;
			if (loadgen_start(&lg, &xs[i], i, now) < 0 ||
			    epoll_ctl(ep, EPOLL_CTL_ADD, xs[i].fd, &e) < 0)
				loadgen_end(&xs[i]);
		}
		n = epoll_wait(ep, ev, 64, 10);
		now = bench_now_s();
		for (int k = 0; k < n; k++) {
			struct loadgen_exchange *x = &xs[ev[k].data.u32];
			int r = loadgen_receive(&lg, x, now);

			if (r == 0)
				continue;
			if (r > 0) {
				/* The assertion of this exchange was the device's
				 * last: one exchange per device at a time. */
				printf("granted %s %u\n", devs[x->dev].name, devs[x->dev].count);
				ok++;
			} else {
				failed++;
			}
			loadgen_end(x);
		}
		for (int i = 0; i < lg.n_devs; i++)
			if (loadgen_retransmit(&xs[i], now, TIMEOUT_S, TRIES) < 0) {
				failed++;
				loadgen_end(&xs[i]);
			}
	}
	close(ep);
	for (int i = 0; i < lg.n_devs; i++) {
		loadgen_end(&xs[i]);
		loadgen_device_finish(&devs[i]);
	}
	printf("activated %lu, failed or unanswered %lu\n", ok, failed);
	return 0;
}

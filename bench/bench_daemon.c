/* SPDX-License-Identifier: ISC */
/*
 * The daemon benchmark's load generator (bench/daemon runs it): the real
 * vpnd, privilege separation and all, over wireguard-go in a namespace,
 * asked by many enroll-like clients at once over UDP.
 *
 *   bench-daemon [--quick] URIFILE SRCNET MONITOR_PID CHILD_PID WG_PID
 *
 * Enrolls a device per URI (one line each, from `vpnd peer add`), then
 * activates them round and round: first as fast as the daemon answers
 * (CONCURRENCY exchanges in flight), then paced at 0.3 of OpenSSL's ES256
 * verify rate on one core, measured in the same run, for the latency
 * under that load, then at a tenth of the most it answered (at most 100 a
 * second) for what one activation takes alone. Sources are SRCNET.x.y (a /16 routed to this host's
 * loopback), a new one per exchange. Prints "name value (what)" lines and
 * the ratios; fails only when the run is broken (nothing enrolled, no
 * activation), never on a ratio.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "bench.h"
#include "loadgen.h"

#define MAX_FLIGHT 512
#define TIMEOUT_S  0.25
#define TRIES      8

struct phase {
	double seconds, rate; /* rate 0: as fast as answered */
	int flight;
	unsigned long done, failed, retransmits;
	double *lat;
	size_t n_lat, cap_lat;
	double elapsed;
	uint64_t cpu_ns[4]; /* monitor, child, wireguard-go, this over the measured part */
};

static double verify_rate(double seconds)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t msg[69] = {1}, sig[80];
	size_t n = sizeof(sig);
	double t0, t;
	long iters = 0;

	if (k == NULL || ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &n, msg, sizeof(msg)) != 1)
		abort();
	t0 = bench_cpu_s();
	do {
		for (int i = 0; i < 100; i++) {
			EVP_MD_CTX_reset(ctx);
			if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
			    EVP_DigestVerify(ctx, sig, n, msg, sizeof(msg)) != 1)
				abort();
		}
		iters += 100;
		t = bench_cpu_s() - t0;
	} while (t < seconds);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return (double)iters / t;
}

/* CPU time of a process, every thread of it (wireguard-go has many);
 * pid 0: this one. */
static uint64_t cpu_ns(int pid)
{
	struct timespec ts;
	char path[64];
	struct dirent *e;
	uint64_t sum = 0;
	DIR *dir;

	if (pid == 0) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	}
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		unsigned long long ns = 0;
		char p2[300];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		f = fopen(p2, "r");
		if (f != NULL && fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		if (f != NULL)
			fclose(f);
	}
	if (dir != NULL)
		closedir(dir);
	return sum;
}

static double per(const struct phase *p, int i)
{
	return p->done > 0 ? (double)p->cpu_ns[i] / 1e3 / (double)p->done : 0;
}

static double busy(const struct phase *p, int i)
{
	return (double)p->cpu_ns[i] / 1e9 / p->elapsed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(struct phase *p, int q)
{
	if (p->n_lat == 0)
		return 0;
	qsort(p->lat, p->n_lat, sizeof(double), cmp_double);
	return p->lat[(p->n_lat - 1) * (size_t)q / 100] * 1e3;
}

/* One phase: a warm-up second, then `seconds` measured. */
static int run_phase(struct loadgen *lg, struct phase *p, const int pids[4])
{
	static struct loadgen_exchange xs[MAX_FLIGHT];
	static bool busy[4096];
	struct epoll_event ev[64];
	double start = bench_now_s(), measure = start + 1, end = measure + p->seconds, next = start;
	uint64_t c0[4] = {0};
	bool measuring = false;
	int ep = epoll_create1(EPOLL_CLOEXEC), dev = 0;

	if (ep < 0)
		return -errno;
	for (int i = 0; i < MAX_FLIGHT; i++)
		xs[i] = (struct loadgen_exchange){.fd = -1};
	for (;;) {
		double now = bench_now_s();
		int n;

		if (!measuring && now >= measure) {
			measuring = true;
			for (int i = 0; i < 4; i++)
				c0[i] = cpu_ns(pids[i]);
		}
		if (now >= end)
			break;
		/* Start what the phase asks for: all slots busy, or paced. */
		for (int i = 0; i < p->flight; i++) {
			struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};

			int tried = 0;

			if (xs[i].stage != 0 || (p->rate > 0 && now < next))
				continue;
			/* One exchange per device at a time: a security key signs
			 * one assertion after another, and its counter must reach
			 * the gateway in order. */
			while (busy[dev] && tried++ < lg->n_devs)
				dev = (dev + 1) % lg->n_devs;
			if (busy[dev])
				break;
			if (loadgen_start(lg, &xs[i], dev, now) < 0 ||
			    epoll_ctl(ep, EPOLL_CTL_ADD, xs[i].fd, &e) < 0) {
				loadgen_end(&xs[i]);
				continue;
			}
			busy[dev] = true;
			dev = (dev + 1) % lg->n_devs;
			if (p->rate > 0)
				next += 1 / p->rate;
		}
		n = epoll_wait(ep, ev, 64, p->rate > 0 ? 1 : 10);
		now = bench_now_s();
		for (int k = 0; k < n; k++) {
			struct loadgen_exchange *x = &xs[ev[k].data.u32];
			int r = loadgen_receive(lg, x, now);

			if (r == 0)
				continue;
			busy[x->dev] = false;
			if (measuring && x->started >= measure) {
				if (r > 0 && p->n_lat < p->cap_lat)
					p->lat[p->n_lat++] = now - x->started;
				if (r > 0)
					p->done++;
				else
					p->failed++;
			}
			loadgen_end(x);
		}
		for (int i = 0; i < p->flight; i++) {
			int r = loadgen_retransmit(&xs[i], now, TIMEOUT_S, TRIES);

			if (r > 0 && measuring)
				p->retransmits++;
			if (r < 0) {
				if (measuring && xs[i].started >= measure)
					p->failed++;
				busy[xs[i].dev] = false;
				loadgen_end(&xs[i]);
			}
		}
	}
	p->elapsed = end - measure;
	for (int i = 0; i < 4; i++)
		p->cpu_ns[i] = cpu_ns(pids[i]) - c0[i];
	for (int i = 0; i < MAX_FLIGHT; i++) {
		if (xs[i].stage != 0)
			busy[xs[i].dev] = false;
		loadgen_end(&xs[i]);
	}
	close(ep);
	return 0;
}

int main(int argc, char **argv)
{
	static struct loadgen_device devs[4096];
	struct loadgen lg = {.devs = devs};
	struct phase sat = {0}, paced = {0}, light = {0};
	double vr, vr2, ar, target, cap, seconds = 10, vsec = 2;
	int pids[4] = {0}, flight = 64;
	struct in_addr base;
	bool quick = false;

	if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
		quick = true, seconds = 2, vsec = 0.3, flight = 16;
		argc--, argv++;
	}
	if (argc != 6 || inet_pton(AF_INET, argv[2], &base) != 1) {
		fprintf(stderr,
			"usage: bench-daemon [--quick] URIFILE SRCNET MONITOR_PID CHILD_PID "
			"WG_PID\n");
		return 2;
	}
	if (key_init() < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	lg.src_base = ntohl(base.s_addr);
	pids[0] = atoi(argv[3]);
	pids[1] = atoi(argv[4]);
	pids[2] = atoi(argv[5]);
	vr = verify_rate(vsec);
	if (loadgen_enroll_uris(&lg, argv[1], "bench-daemon") < 0) {
		fprintf(stderr, "bench-daemon: no device enrolled\n");
		return 1;
	}
	printf("devices %d (enrolled through the protocol, one owner each)\n", lg.n_devs);
	sat = (struct phase){.seconds = seconds, .flight = flight, .cap_lat = 1 << 20};
	sat.lat = calloc(sat.cap_lat, sizeof(double));
	if (sat.lat == NULL || run_phase(&lg, &sat, pids) < 0)
		return 1;
	ar = (double)sat.done / sat.elapsed;
	/* The latency under the load the target names, or under 0.9 of what
	 * the daemon managed if it did not reach that. */
	target = 0.3 * vr;
	paced = (struct phase){.seconds = seconds,
			       .flight = MAX_FLIGHT,
			       .rate = ar < target ? 0.9 * ar : target,
			       .cap_lat = 1 << 20};
	paced.lat = calloc(paced.cap_lat, sizeof(double));
	if (paced.lat == NULL || run_phase(&lg, &paced, pids) < 0)
		return 1;
	/* And with little load: what one activation takes on its own. */
	light = (struct phase){.seconds = seconds,
			       .flight = MAX_FLIGHT,
			       .rate = ar < 1000 ? 0.1 * ar : 100,
			       .cap_lat = 1 << 20};
	light.lat = calloc(light.cap_lat, sizeof(double));
	if (light.lat == NULL || run_phase(&lg, &light, pids) < 0)
		return 1;
	vr2 = verify_rate(vsec);
	vr = vr > vr2 ? vr : vr2;
	printf("ecdsa_p256_verify_per_sec %.0f (OpenSSL EVP, one core, thread CPU time)\n", vr);
	printf("daemon_activations_per_sec %.0f (%lu in %.0f s, %d in flight, %lu retransmits, "
	       "%lu failed; the load generator shares the machine's cores)\n",
	       ar, sat.done, sat.elapsed, flight, sat.retransmits, sat.failed);
	printf("daemon_vs_verify_ratio %.2f (target >= 0.30): %s\n", ar / vr,
	       ar / vr >= 0.3 ? "met" : "NOT met");
	printf("cpu_us_per_activation monitor %.1f child %.1f wireguard-go %.1f load-generator "
	       "%.1f (CPU time over the run)\n",
	       per(&sat, 0), per(&sat, 1), per(&sat, 2), per(&sat, 3));
	printf("cores_busy monitor %.2f child %.2f wireguard-go %.2f load-generator %.2f\n",
	       busy(&sat, 0), busy(&sat, 1), busy(&sat, 2), busy(&sat, 3));
	/* Each of the daemon's processes is one thread: on two cores of its
	 * own the slower of them, or both together, is the limit. */
	cap = 1e6 / (per(&sat, 0) > per(&sat, 1) ? per(&sat, 0) : per(&sat, 1));
	if (2e6 / (per(&sat, 0) + per(&sat, 1)) < cap)
		cap = 2e6 / (per(&sat, 0) + per(&sat, 1));
	printf("daemon_capacity_2_cores %.0f activations/s (from its CPU time per activation, "
	       "wireguard-go not counted), %.2f of the verify rate\n",
	       cap, cap / vr);
	printf("latency_ms p50 %.2f p99 %.2f (at the most the daemon answered; HELLO sent to "
	       "REPLY in)\n",
	       pct(&sat, 50), pct(&sat, 99));
	printf("paced_latency_ms p50 %.2f p99 %.2f at %.0f activations/s (%s; %lu done, %lu "
	       "failed, %lu retransmits) (target p99 <= 2 ms): %s\n",
	       pct(&paced, 50), pct(&paced, 99), paced.rate,
	       paced.rate >= target ? "0.3 of the verify rate" : "0.9 of the most answered",
	       paced.done, paced.failed, paced.retransmits,
	       paced.rate >= target && pct(&paced, 99) <= 2.0 ? "met" : "NOT met");
	printf("light_latency_ms p50 %.2f p99 %.2f at %.0f activations/s\n", pct(&light, 50),
	       pct(&light, 99), light.rate);
	for (int i = 0; i <= PROTO_ERR_SEND_MAX; i++)
		if (lg.refused[i] > 0)
			printf("refused %lu times: %s\n", lg.refused[i], proto_strerror(i));
	if (quick)
		printf("quick mode: figures only, no targets are held\n");
	for (int i = 0; i < lg.n_devs; i++)
		loadgen_device_finish(&devs[i]);
	free(sat.lat);
	free(paced.lat);
	free(light.lat);
	/* A run where nothing was activated is broken, whatever the ratios. */
	return sat.done > 0 && paced.done > 0 && light.done > 0 ? 0 : 1;
}

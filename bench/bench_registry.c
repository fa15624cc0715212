/* SPDX-License-Identifier: ISC */
/*
 * The registry and session table at size, in one process: 100,000 peers
 * (1,000 owners) and 20,000 live sessions written to a state directory,
 * then: median time to load the registry, resident memory after loading
 * it and the sessions, and the bookkeeping cost of ending 10,000 sessions
 * whose deadline is the same instant. Prints "name value unit" lines.
 * --quick: a tenth of the sizes and one load, for scripts/test: the same
 * code paths in a second, its figures printed, no targets.
 *   bench-registry [--quick]            measure
 *   bench-registry [--quick] DIR SECONDS  only write the state (bench/run)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "state/registry.h"
#include "state/session.h"
#include "state/session_file.h"
#include "base/strbuf.h"
#include "bench.h"

static int peers = 100000, owners = 1000, sessions = 20000, runs = 5;
#define RUNS_MAX 5

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static uint64_t first_end_s = 3600;

static int n_nets = 1;

static void make_state(const char *dir, const struct ipaddr *net)
{
	struct registry *r;
	struct sessions ss;
	char err[ERR_LEN], boot[BOOT_ID_LEN + 1], path[512];
	uint64_t now = clock_boot_ns();

	registry_create(&r, dir);
	registry_set_networks(r, net, n_nets);
	for (int i = 0; i < owners; i++) {
		char name[32];

		snprintf(name, sizeof(name), "owner%d", i);
		registry_owner_add(r, name, NULL);
	}
	session_init(&ss);
	for (int i = 0; i < peers; i++) {
		struct reg_peer t = {.window = REG_INHERIT, .idle = REG_INHERIT}, *p;
		char oname[32];

		snprintf(t.name, sizeof(t.name), "peer%06d", i);
		snprintf(oname, sizeof(oname), "owner%d", i % owners);
		t.owner = registry_owner_find(r, oname);
		key_generate_private(t.key);
		t.has_key = true;
		if (registry_peer_add(r, &t, &p, err) < 0) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
		if (i < sessions) {
			struct session_req q = {
				.name = p->name, .owner = oname, .key = p->key, .by = "admin"};
			struct session *s;
			bool ext;

			q.n_addrs = registry_addr_list(p, q.addrs);
			/* Half end together at first_end_s, half 2 h from now. */
			q.window_ns = (i % 2 == 0 ? first_end_s : 7200ULL) * NS_PER_SEC;
			session_open(&ss, &q, now, clock_wall(), &s, &ext);
		}
	}
	if (registry_save(r) < 0 || clock_boot_id(boot) < 0)
		exit(1);
	snprintf(path, sizeof(path), "%s/sessions", dir);
	session_file_save(&ss, path, boot);
	session_finish(&ss);
	registry_destroy(&r);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/keygate-bench-XXXXXX", err[ERR_LEN], path[512], boot[BOOT_ID_LEN + 1];
	double t[RUNS_MAX], c[RUNS_MAX], t0, c0;
	struct registry *r = NULL;
	struct sessions ss;
	struct ipaddr net[2];
	long base, kb = 0;
	size_t dropped, ended = 0;
	uint64_t when;

	if (key_init() < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
		peers = 10000, owners = 100, sessions = 2000, runs = 1;
		argc--, argv++;
	}
	ipaddr_parse(&net[0], "10.64.0.1/10", true);
	/* BENCH_DUAL=1: a dual-stack tunnel, two addresses a peer. */
	if (getenv("BENCH_DUAL") != NULL && ipaddr_parse(&net[1], "fd64::1/64", true) == 0)
		n_nets = 2;
	if (argc == 3) {
		/* bench-registry DIR SECONDS: only write the state for bench/run. */
		first_end_s = strtoull(argv[2], NULL, 10);
		make_state(argv[1], net);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: bench-registry [--quick] [DIR SECONDS]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	make_state(dir, net);
	/* The first load in a fresh heap gives the memory figure. */
	base = rss_kb();
	for (int i = 0; i < runs; i++) {
		if (i > 0) {
			registry_destroy(&r);
		}
		registry_create(&r, dir);
		registry_set_networks(r, net, n_nets);
		t0 = bench_now_s();
		c0 = cpu_s();
		if (registry_load(r, err) < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		t[i] = bench_now_s() - t0;
		c[i] = cpu_s() - c0;
		if (i == 0)
			kb = rss_kb();
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	qsort(c, (size_t)runs, sizeof(c[0]), cmp_double);
	printf("peers %d (%d owners, %d sessions; medians of %d loads)\n", peers, owners, sessions,
	       runs);
	printf("registry-rss %.1f MB\n", (double)(kb - base) / 1024);
	printf("registry-load-cpu %.3f s\n", c[runs / 2]);
	printf("registry-load %.3f s\n", t[runs / 2]);
	session_init(&ss);
	snprintf(path, sizeof(path), "%s/sessions", dir);
	clock_boot_id(boot);
	t0 = bench_now_s();
	if (session_file_load(&ss, path, boot, clock_boot_ns(), &dropped, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("sessions-load %.3f s\n", bench_now_s() - t0);
	printf("process-rss-after-loads %.1f MB\n", (double)rss_kb() / 1024);
	/* 10,000 share one deadline: pop them all as the timer does. */
	when = session_deadline(session_first(&ss));
	t0 = bench_now_s();
	while (session_first(&ss) != NULL && session_deadline(session_first(&ss)) <= when) {
		struct session *s = session_first(&ss);

		session_remove(&ss, s);
		session_free(&s);
		ended++;
	}
	printf("expire-bookkeeping %.4f s (%zu sessions)\n", bench_now_s() - t0, ended);
	if (ended != (size_t)sessions / 2) {
		fprintf(stderr, "bench-registry: %zu sessions ended at once, not %d\n", ended,
			sessions / 2);
		return 1;
	}
	session_finish(&ss);
	registry_destroy(&r);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	return system(path) == 0 ? 0 : 1;
}

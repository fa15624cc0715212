/* SPDX-License-Identifier: ISC */
/*
 * kg-fwtool: drives vpnd's firewall module (monitor/firewall.h) and nothing
 * else, so that the netns tests and the firewall bench can check the table
 * against the real kernel and the real nft. Not installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/ipaddr.h"
#include "base/text.h"
#include "monitor/firewall.h"
#include "monitor/firewall_check.h"
#include "monitor/firewall_session.h"

#define MAX_ADDRS 8

static int usage(void)
{
	fprintf(stderr,
		"usage: kg-fwtool [--ports P,P...] [--nets NET,NET...] IF COMMAND\n"
		"  install | remove | check\n"
		"  add ADDR[,ADDR...] WINDOW IDLE [IDLE_LEFT]   (durations: 500ms, 3s, 2m, 1h, "
		"0/off)\n"
		"  del ADDR[,ADDR...]\n"
		"  alive ADDR                                   (prints 1 or 0, and the ms left)\n"
		"  reconcile [--keep-idle] FILE                 (lines: ADDR[,ADDR...] WINDOW IDLE;"
		" - is stdin)\n"
		"  bulk N NET WINDOW IDLE                       (reconcile N sessions, hosts of "
		"NET)\n");
	return 2;
}

static int failed(const char *err)
{
	fprintf(stderr, "kg-fwtool: %s\n", err);
	return 1;
}

/* "3s", "250ms", "2m", or "0" / "off" for none: nanoseconds. */
static int parse_ns(const char *s, uint64_t *ns)
{
	unsigned long long v;
	char *end;

	if (strcmp(s, "off") == 0 || strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v > 1000000000ULL)
		return -EINVAL;
	if (strcmp(end, "ms") == 0)
		*ns = v * 1000000ULL;
	else if (strcmp(end, "s") == 0)
		*ns = v * 1000000000ULL;
	else if (strcmp(end, "m") == 0)
		*ns = v * 60000000000ULL;
	else if (strcmp(end, "h") == 0)
		*ns = v * 3600000000000ULL;
	else
		return -EINVAL;
	return 0;
}

/* "10.77.0.2,fd77::2": hosts. */
static int parse_addrs(char *s, struct ipaddr *out, size_t max, size_t *n)
{
	*n = 0;
	for (char *tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
		if (*n == max || ipaddr_parse(&out[*n], tok, false) < 0) {
			fprintf(stderr, "kg-fwtool: bad address '%s'\n", tok);
			return -EINVAL;
		}
		(*n)++;
	}
	return *n > 0 ? 0 : -EINVAL;
}

static int parse_ports(char *s, struct firewall_config *cfg)
{
	cfg->n_mail_ports = 0;
	for (char *tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
		char *end;
		unsigned long v = strtoul(tok, &end, 10);

		if (*end != '\0' || v == 0 || v > 65535 || cfg->n_mail_ports == FIREWALL_MAX_PORTS)
			return -EINVAL;
		cfg->mail_ports[cfg->n_mail_ports++] = (uint16_t)v;
	}
	return 0;
}

static int parse_nets(char *s, struct firewall_config *cfg)
{
	cfg->n_nets = 0;
	for (char *tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ",")) {
		if (cfg->n_nets == FIREWALL_MAX_NETS ||
		    ipaddr_parse(&cfg->nets[cfg->n_nets], tok, true) < 0)
			return -EINVAL;
		cfg->n_nets++;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmd_check(struct firewall *fw)
{
	struct firewall_report r;
	char err[ERR_LEN];
	int n = firewall_check(fw, &r, err);

	if (n < 0)
		return failed(err);
	for (int i = 0; i < n && i < FIREWALL_REPORT_LINES; i++)
		printf("%s\n", r.line[i]);
	if (n > FIREWALL_REPORT_LINES)
		printf("(and %d more)\n", n - FIREWALL_REPORT_LINES);
	return n == 0 ? 0 : 1;
}

static int cmd_add(struct firewall *fw, int argc, char **argv)
{
	struct ipaddr addrs[MAX_ADDRS];
	struct firewall_session s = {.addrs = addrs};
	char err[ERR_LEN];

	if (argc < 3 || argc > 4 || parse_addrs(argv[0], addrs, MAX_ADDRS, &s.n_addrs) < 0 ||
	    parse_ns(argv[1], &s.window_ns) < 0 || parse_ns(argv[2], &s.idle_ns) < 0 ||
	    (argc == 4 && parse_ns(argv[3], &s.idle_left_ns) < 0))
		return usage();
	return firewall_session_add(fw, &s, err) < 0 ? failed(err) : 0;
}

static int cmd_del(struct firewall *fw, int argc, char **argv)
{
	struct ipaddr addrs[MAX_ADDRS];
	char err[ERR_LEN];
	size_t n;

	if (argc != 1 || parse_addrs(argv[0], addrs, MAX_ADDRS, &n) < 0)
		return usage();
	return firewall_session_del(fw, addrs, n, err) < 0 ? failed(err) : 0;
}

static int cmd_alive(struct firewall *fw, int argc, char **argv)
{
	struct ipaddr a;
	uint64_t left;
	int ret;

	if (argc != 1 || ipaddr_parse(&a, argv[0], false) < 0)
		return usage();
	ret = firewall_session_idle_left(fw, &a, &left);
	if (ret < 0) {
		fprintf(stderr, "kg-fwtool: alive %s: %s\n", argv[0], strerror(-ret));
		return 1;
	}
	/* The left time on stderr: the tests compare stdout with 1 or 0. */
	printf("%d\n", ret);
	fprintf(stderr, "%llu ms left\n", (unsigned long long)(left / 1000000));
	return 0;
}

/* Sessions and their addresses, grown as they come. */
struct list {
	struct firewall_session *s;
	struct ipaddr *addrs;
	size_t n, n_addrs;
};

static int list_add(struct list *l, const struct ipaddr *a, size_t na, uint64_t window,
		    uint64_t idle)
{
	struct firewall_session *s = realloc(l->s, (l->n + 1) * sizeof(*s));
	struct ipaddr *addrs;

	if (s == NULL)
		return -ENOMEM;
	l->s = s;
	addrs = realloc(l->addrs, (l->n_addrs + na) * sizeof(*addrs));
	if (addrs == NULL)
		return -ENOMEM;
	l->addrs = addrs;
	memcpy(addrs + l->n_addrs, a, na * sizeof(*a));
	/* Offsets now, pointers once every address is in (realloc moves). */
	l->s[l->n] =
		(struct firewall_session){.addrs = (const struct ipaddr *)(uintptr_t)l->n_addrs,
					  .n_addrs = na,
					  .window_ns = window,
					  .idle_ns = idle};
	l->n++;
	l->n_addrs += na;
	return 0;
}

static int reconcile(struct firewall *fw, struct list *l, unsigned flags)
{
	char err[ERR_LEN];
	double t0;
	int ret;

	for (size_t i = 0; i < l->n; i++)
		l->s[i].addrs = l->addrs + (uintptr_t)l->s[i].addrs;
	t0 = now_ms();
	ret = firewall_session_reconcile(fw, l->s, l->n, flags, err);
	if (ret < 0)
		return failed(err);
	fprintf(stderr, "kg-fwtool: reconciled %zu sessions in %.1f ms\n", l->n, now_ms() - t0);
	return 0;
}

static int cmd_reconcile(struct firewall *fw, int argc, char **argv)
{
	struct list l = {0};
	unsigned flags = 0;
	char line[512];
	FILE *f;
	int ret = 0;

	if (argc == 2 && strcmp(argv[0], "--keep-idle") == 0) {
		flags = FIREWALL_SESSION_KEEP_IDLE;
		argc--;
		argv++;
	}
	if (argc != 1)
		return usage();
	f = strcmp(argv[0], "-") == 0 ? stdin : fopen(argv[0], "r");
	if (f == NULL)
		return failed("cannot open the list");
	while (ret == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *w[4];
		struct ipaddr a[MAX_ADDRS];
		uint64_t window, idle;
		size_t na;

		line[strcspn(line, "\r\n")] = '\0';
		if (text_split(line, w, 4) != 3 || parse_addrs(w[0], a, MAX_ADDRS, &na) < 0 ||
		    parse_ns(w[1], &window) < 0 || parse_ns(w[2], &idle) < 0)
			ret = -EINVAL;
		else
			ret = list_add(&l, a, na, window, idle);
	}
	if (f != stdin)
		fclose(f);
	ret = ret < 0 ? failed("bad list line") : reconcile(fw, &l, flags);
	free(l.s);
	free(l.addrs);
	return ret;
}

static int cmd_bulk(struct firewall *fw, int argc, char **argv)
{
	struct list l = {0};
	struct ipaddr net, a;
	uint64_t window, idle;
	unsigned long n;
	char *end;
	int ret = 0;

	if (argc != 4)
		return usage();
	n = strtoul(argv[0], &end, 10);
	if (*end != '\0' || n == 0 || n > 1000000 || ipaddr_parse(&net, argv[1], true) < 0 ||
	    parse_ns(argv[2], &window) < 0 || parse_ns(argv[3], &idle) < 0)
		return usage();
	for (unsigned long i = 0; i < n && ret == 0; i++) {
		ret = ipaddr_nth(&a, &net, i + 1);
		a.prefix = a.family == AF_INET ? 32 : 128;
		if (ret == 0)
			ret = list_add(&l, &a, 1, window, idle);
	}
	ret = ret < 0 ? failed("cannot make the sessions") : reconcile(fw, &l, 0);
	free(l.s);
	free(l.addrs);
	return ret;
}

/* Each operation on N sessions, one at a time, as vpnd does them. */
static int cmd_ops(struct firewall *fw, int argc, char **argv)
{
	static const char *const names[] = {"add", "idle_alive", "extend", "del"};
	struct firewall_session s = {.n_addrs = 1, .idle_ns = 1800000000000ULL};
	struct ipaddr net, a;
	char err[ERR_LEN];
	unsigned long n;
	char *end;
	double t0;
	int ret = 0;

	if (argc != 2)
		return usage();
	n = strtoul(argv[0], &end, 10);
	if (*end != '\0' || n == 0 || n > 100000 || ipaddr_parse(&net, argv[1], true) < 0)
		return usage();
	s.addrs = &a;
	for (int op = 0; op < 4 && ret >= 0; op++) {
		t0 = now_ms();
		for (unsigned long i = 0; i < n && ret >= 0; i++) {
			ret = ipaddr_nth(&a, &net, i + 1);
			a.prefix = a.family == AF_INET ? 32 : 128;
			s.window_ns = (op == 2 ? 7200 : 3600) * 1000000000ULL;
			if (ret < 0)
				break;
			if (op == 0 || op == 2)
				ret = firewall_session_add(fw, &s, err);
			else if (op == 1)
				ret = firewall_session_idle_alive(fw, &a) == 1 ? 0 : -EPROTO;
			else
				ret = firewall_session_del(fw, &a, 1, err);
		}
		if (ret < 0)
			break;
		printf("%-10s %lu sessions one at a time: %.1f us each\n", names[op], n,
		       (now_ms() - t0) * 1000 / (double)n);
	}
	if (ret == -EPROTO)
		snprintf(err, sizeof(err), "an idle element is missing");
	return ret < 0 ? failed(err) : 0;
}

int main(int argc, char **argv)
{
	struct firewall_config cfg;
	struct firewall *fw = NULL;
	char err[ERR_LEN], *ports = NULL, *nets = NULL;
	const char *cmd;
	int ret;

	while (argc > 2 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--ports") == 0)
			ports = argv[2];
		else if (strcmp(argv[1], "--nets") == 0)
			nets = argv[2];
		else
			return usage();
		argc -= 2;
		argv += 2;
	}
	if (argc < 3)
		return usage();
	if (firewall_config_init(&cfg, argv[1], err) < 0)
		return failed(err);
	if ((ports != NULL && parse_ports(ports, &cfg) < 0) ||
	    (nets != NULL && parse_nets(nets, &cfg) < 0))
		return usage();
	if (firewall_create(&fw, &cfg, err) < 0)
		return failed(err);
	cmd = argv[2];
	argc -= 3;
	argv += 3;
	if (strcmp(cmd, "install") == 0 && argc == 0)
		ret = firewall_install(fw, err) < 0 ? failed(err) : 0;
	else if (strcmp(cmd, "remove") == 0 && argc == 0)
		ret = firewall_remove(fw, err) < 0 ? failed(err) : 0;
	else if (strcmp(cmd, "check") == 0 && argc == 0)
		ret = cmd_check(fw);
	else if (strcmp(cmd, "add") == 0)
		ret = cmd_add(fw, argc, argv);
	else if (strcmp(cmd, "del") == 0)
		ret = cmd_del(fw, argc, argv);
	else if (strcmp(cmd, "alive") == 0)
		ret = cmd_alive(fw, argc, argv);
	else if (strcmp(cmd, "reconcile") == 0)
		ret = cmd_reconcile(fw, argc, argv);
	else if (strcmp(cmd, "bulk") == 0)
		ret = cmd_bulk(fw, argc, argv);
	else if (strcmp(cmd, "ops") == 0)
		ret = cmd_ops(fw, argc, argv);
	else
		ret = usage();
	firewall_destroy(&fw);
	return ret;
}

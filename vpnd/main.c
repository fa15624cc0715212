/* SPDX-License-Identifier: ISC */
/* vpnd: the keygate gateway. One function per subcommand, as wg(8) does. */
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/check.h"
#include "admin/init.h"
#include "admin/store.h"
#include "monitor/run.h"
#include "config.h"
#include "base/key.h"
#include "base/log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{"init", init_main, "write a config and the gateway key"},
	{"run", run_main, "run the gateway in the foreground"},
	{"peer", admin_main,
	 "add (one, or --from a CSV file), list, show, set, remove, disable, enable peers"},
	{"owner", admin_main, "add, list, show owners and set their policy"},
	{"key", admin_main, "list, revoke (--cascade) and unlock owners' security keys"},
	{"code", admin_main, "list, revoke and renew one-time enrollment codes"},
	{"session", admin_main, "list, open and kill sessions"},
	{"status", admin_main, "what the running gateway is doing"},
	{"check", check_main, "name mail listeners reachable outside the tunnel"},
	{"store", store_main, "migrate, import and export the PostgreSQL store"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: vpnd COMMAND [ARGS] [-c CONF]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\nEvery command takes --help. CONF defaults to %s (-c CONF, --config CONF).\n",
		VPND_DEFAULT_CONF);
}

int main(int argc, char **argv)
{
	static char prog[32];

	log_init("vpnd", LOGL_INFO);
	if (key_init() < 0) {
		fprintf(stderr, "vpnd: cannot initialize libsodium\n");
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vpnd %s\n", KEYGATE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* getopt names its errors after argv[0]: "vpnd init: ...", not
		 * "init: ...". The admin commands name themselves (admin.c). */
		if (commands[i].fn != admin_main) {
			snprintf(prog, sizeof(prog), "vpnd %s", commands[i].name);
			argv[1] = prog;
		}
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "vpnd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

/* SPDX-License-Identifier: ISC */
/* enroll: the subcommand table. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "cli.h"
#include "fido/fidodev.h"
#include "base/key.h"
#include "base/log.h"

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"register", register_main, "register URI    a security key and this machine's key pair"},
	{"up", up_main, "up [IF]         activate with the security key, bring the tunnel up"},
	{"down", down_main, "down [IF]       end the session, bring the tunnel down"},
	{"status", status_main, "status [IF]     session state, time left, why it ended"},
	{"activate", activate_main, "activate PEER   activate another peer of yours (a phone)"},
	{"add-key", addkey_main, "add-key         register a backup security key"},
	{"watch", watch_main,
	 "watch [IF]      desktop notices before the window ends; a touch extends"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: enroll COMMAND [options]\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].help);
	fprintf(f, "\nCommands that use a security key take --device DEV (a hidraw path or\n"
		   "unix:PATH) and --pin-fd N. See enroll(1) or 'enroll COMMAND --help'.\n");
}

int main(int argc, char **argv)
{
	static char prog[32];

	log_init("enroll", LOGL_INFO);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("enroll %s\n", KEYGATE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (key_init() < 0) {
			fprintf(stderr, "enroll: cannot initialise libsodium\n");
			return 1;
		}
		fidodev_init();
		/* getopt names its errors after argv[0]: "enroll up: ...". */
		snprintf(prog, sizeof(prog), "enroll %s", commands[i].name);
		argv[1] = prog;
		return commands[i].main(argc - 1, argv + 1);
	}
	fprintf(stderr, "enroll: unknown command '%s'\nTry 'enroll --help'.\n", argv[1]);
	return 2;
}

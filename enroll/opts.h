/* SPDX-License-Identifier: ISC */
/* The options every subcommand takes, and where the laptop's files are. */
#ifndef KEYGATE_ENROLL_OPTS_H
#define KEYGATE_ENROLL_OPTS_H

#define ENROLL_DEFAULT_IF  "wg0" /* register's, when the machine has none yet */
#define ENROLL_DEFAULT_DIR "/etc/wireguard"

#include <stdbool.h>
#include <stdint.h>

struct enroll_opts {
	const char *ifname;      /* NULL until named or found (state_pick) */
	char found_if[16];       /* the one state_pick found */
	const char *dir;         /* --config-dir, for tests; default /etc/wireguard */
	const char *device;      /* --device: NULL for the first one found */
	const char *auth_device; /* add-key: the key already registered */
	int pin_fd;              /* --pin-fd, -1: the terminal */
	const char *pin;         /* a PIN read before (watch); "": touch only */
	bool touch_optional;     /* watch: an untouched key is no error to report */
	int timeout_ms;          /* --timeout: per try */
	int tries;
	const char *peer;    /* status --peer: another peer of the owner */
	uint64_t before;     /* watch --before: seconds; 0 unless given */
	uint64_t every;      /* watch --every: seconds between questions */
	bool replace;        /* register --replace: over an earlier registration */
	const char *args[2]; /* positional arguments */
	int n_args;
};

/*
 * getopt over the options every subcommand shares; max_args positional
 * arguments are allowed. ifname stays NULL without --interface. 0; -ECANCELED after --help (the
 * command is done: exit 0); -EINVAL after a usage message (exit 2).
 */
int opts_parse(struct enroll_opts *o, int argc, char **argv, int max_args, const char *usage);

/* A name wg-quick and the kernel take: 1-15 bytes, no '/'. */
bool opts_ifname_valid(const char *name);

#endif

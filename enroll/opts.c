/* SPDX-License-Identifier: ISC */
/* The options every subcommand takes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/duration.h"
#include "opts.h"
#include "proto/proto.h"

static int number(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

bool opts_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 15 && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

int opts_parse(struct enroll_opts *o, int argc, char **argv, int max_args, const char *usage)
{
	static const struct option longopts[] = {
		{"interface", required_argument, NULL, 'i'},
		{"device", required_argument, NULL, 'd'},
		{"auth-device", required_argument, NULL, 'a'},
		{"pin-fd", required_argument, NULL, 'p'},
		{"config-dir", required_argument, NULL, 'C'},
		{"timeout", required_argument, NULL, 't'},
		{"tries", required_argument, NULL, 'n'},
		{"peer", required_argument, NULL, 'P'},
		{"before", required_argument, NULL, 'B'},
		{"every", required_argument, NULL, 'E'},
		{"replace", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->dir = ENROLL_DEFAULT_DIR;
	o->pin_fd = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:d:a:p:C:t:n:P:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->ifname = optarg;
			break;
		case 'd':
			o->device = optarg;
			break;
		case 'a':
			o->auth_device = optarg;
			break;
		case 'C':
			o->dir = optarg;
			break;
		case 'p':
			if (number(optarg, 0, INT_MAX, &o->pin_fd) < 0)
				goto bad_value;
			break;
		case 't':
			if (number(optarg, 1, 60000, &o->timeout_ms) < 0)
				goto bad_value;
			break;
		case 'n':
			if (number(optarg, 1, 100, &o->tries) < 0)
				goto bad_value;
			break;
		case 'P':
			if (!proto_name_valid(optarg, strlen(optarg)))
				goto bad_value;
			o->peer = optarg;
			break;
		case 'B':
			if (duration_parse(&o->before, optarg) < 0)
				goto bad_value;
			break;
		case 'E':
			if (duration_parse(&o->every, optarg) < 0)
				goto bad_value;
			break;
		case 'R':
			o->replace = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return -ECANCELED;
		default:
			fputs(usage, stderr);
			return -EINVAL;
		}
	}
	/* getopt has moved the positional arguments to the end. */
	for (; optind < argc; optind++) {
		if (o->n_args == max_args)
			goto too_many;
		o->args[o->n_args++] = argv[optind];
	}
	if (o->ifname != NULL && !opts_ifname_valid(o->ifname)) {
		fprintf(stderr, "enroll: invalid interface name '%s'\n", o->ifname);
		return -EINVAL;
	}
	return 0;
bad_value:
	/* Not argv[optind - 1]: getopt has permuted argv by now. */
	for (const struct option *lo = longopts; lo->name != NULL; lo++)
		if (lo->val == c)
			fprintf(stderr, "enroll: invalid value '%s' for --%s\n", optarg, lo->name);
	return -EINVAL;
too_many:
	fprintf(stderr, "enroll: unexpected argument '%s'\n%s", argv[optind], usage);
	return -EINVAL;
}

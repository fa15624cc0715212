/* SPDX-License-Identifier: ISC */
/* Options, messages and small helpers every subcommand uses. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/duration.h"
#include "enroll.h"
#include "seckey.h"

int enroll_tunnel_load(struct enroll_opts *o, struct enroll_state *st, int argc, char **argv,
		       const char *usage, int *status)
{
	int r = opts_parse(o, argc, argv, 1, usage);

	if (r < 0) {
		*status = r == -ECANCELED ? 0 : 2;
		return -ECANCELED;
	}
	if (o->n_args == 1)
		o->ifname = o->args[0];
	if (state_load(st, o) < 0) {
		*status = 1;
		return -ECANCELED;
	}
	return 0;
}

int enroll_gateway(struct actclient_opts *ao, char *host, size_t cap, const struct enroll_state *st,
		   const struct enroll_opts *o)
{
	memset(ao, 0, sizeof(*ao));
	if (state_split_endpoint(st->gateway, host, cap, &ao->port) < 0) {
		fprintf(stderr, "enroll: invalid gateway '%s' in the state file\n", st->gateway);
		return -EINVAL;
	}
	ao->host = host;
	ao->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 1000;
	ao->tries = o->tries > 0 ? o->tries : 5;
	return 0;
}

void enroll_refused(const char *what, int code, const struct proto_reply *rep,
		    const struct seckey *k, const char err[ERR_LEN])
{
	char d[32];

	/* A local failure (the gateway's name does not resolve): what it was,
	 * then the code as for any other. */
	if (code < 0 && err[0] != '\0')
		fprintf(stderr, "enroll: %s\n", err);
	switch (code) {
	case PROTO_ERR_WRONG_PIN:
		if (k != NULL && k->retries >= 0)
			fprintf(stderr, "enroll: %s: wrong PIN (%d retries left)\n", what,
				k->retries);
		else
			fprintf(stderr, "enroll: %s: wrong PIN\n", what);
		return;
	case PROTO_ERR_NO_ANSWER:
		/* "the gateway is not answering (after 5 tries)" */
		if (err[0] == '\0')
			break;
		fprintf(stderr, "enroll: %s: %s\n", what, err);
		return;
	case PROTO_ERR_CLOCK_SKEW:
		if (rep != NULL && (rep->fields & PROTO_REP_SKEW)) {
			duration_format_minutes(d, sizeof(d),
						(uint64_t)(rep->skew < 0 ? -rep->skew : rep->skew));
			fprintf(stderr,
				"enroll: %s: this computer's clock is %s %s the gateway's; "
				"fix the time (NTP)\n",
				what, d, rep->skew < 0 ? "behind" : "ahead of");
			return;
		}
		break;
	case PROTO_ERR_KEY_LOCKED:
		if (rep != NULL && (rep->fields & PROTO_REP_SECONDS_LEFT)) {
			uint64_t min = (rep->seconds_left + 59) / 60;

			fprintf(stderr,
				"enroll: %s: this security key is locked after repeated failed "
				"attempts; try again in %llu minute%s or ask the admin\n",
				what, (unsigned long long)min, min == 1 ? "" : "s");
			return;
		}
		break;
	default:
		break;
	}
	fprintf(stderr, "enroll: %s: %s\n", what, proto_strerror(code));
}

void enroll_learn_key(struct enroll_state *st, const struct enroll_opts *o, int code,
		      const struct proto_reply *rep)
{
	struct enroll_state now;
	char path[PATH_MAX];
	key_b64_t k;

	if (code != PROTO_OK || !(rep->fields & PROTO_REP_ACT_KEY) ||
	    key_equal(st->gw_key, rep->act_key))
		return;
	memcpy(st->gw_key, rep->act_key, KEY_LEN);
	/* The file as it is, not st: a command may have changed st for
	 * its own use (status --peer). */
	if (state_load(&now, o) < 0)
		return;
	memcpy(now.gw_key, rep->act_key, KEY_LEN);
	if (state_save(&now, o, true) < 0 || state_path(path, sizeof(path), o, "keygate") < 0)
		return;
	key_to_base64(k, rep->act_key);
	fprintf(stderr,
		"enroll: note: the gateway's activation key was rotated; %s now holds the new "
		"one (%s)\n",
		path, k);
}

void enroll_clock_note(const struct proto_reply *rep)
{
	int64_t skew = (int64_t)time(NULL) - (int64_t)rep->gateway_time;
	char d[32];

	/* Not a refusal: session times come as "seconds left" and are right
	 * whatever this clock says. But a clock that far off breaks TLS and
	 * logs, and the gateway refuses at ten minutes. */
	if (rep->gateway_time == 0 || (skew < 60 && skew > -60))
		return;
	duration_format_minutes(d, sizeof(d), (uint64_t)(skew < 0 ? -skew : skew));
	fprintf(stderr, "enroll: note: this computer's clock is %s %s the gateway's\n", d,
		skew < 0 ? "behind" : "ahead of");
}

void enroll_print_until(const char *who, uint64_t seconds_left)
{
	time_t end = time(NULL) + (time_t)seconds_left;
	char when[32], left[32];
	struct tm tm;

	localtime_r(&end, &tm);
	strftime(when, sizeof(when), seconds_left >= 86400 ? "%a %H:%M" : "%H:%M", &tm);
	duration_format_minutes(left, sizeof(left), seconds_left);
	printf("%s is active until %s (%s left).\n", who, when, left);
}

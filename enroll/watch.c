/* SPDX-License-Identifier: ISC */
/*
 * enroll watch [IF]: asks the gateway now and then how this machine's
 * session stands, posts a desktop notice --before the window ends and
 * waits for a touch of the key then, which extends the window (as `enroll
 * up` would, keeping the tunnel); when a session ends, a notice says why.
 * It never asks for a PIN: it runs unattended, so the PIN comes from
 * --pin-fd at start or not at all (a gateway that wants it says so).
 *
 * Its sleeps count on CLOCK_BOOTTIME, as the gateway's windows do: after
 * a suspend the next question comes at once, not a suspend's length late.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "activate.h"
#include "base/duration.h"
#include "cli.h"
#include "enroll.h"
#include "notice.h"
#include "pin.h"
#include "tunnel.h"

#define DEFAULT_BEFORE 600
#define DEFAULT_EVERY  60

static const char usage[] =
	"usage: enroll watch [IF] [--before D] [--every D] [--pin-fd N] [--device DEV]\n"
	"\n"
	"Posts a desktop notice D (default 10m) before the session of IF ends and\n"
	"extends it when you touch your security key then; when a session ends,\n"
	"a notice says why. Asks the gateway every --every (default 1m). Run it\n"
	"as a systemd user service (enroll-watch.service).\n";

struct watch {
	struct enroll_opts o;
	struct enroll_state st;
	struct notice n;
	uint8_t sk[KEY_LEN];
	char last_err[ERR_LEN];
};

static void boot_sleep(uint64_t seconds)
{
	struct timespec ts = {.tv_sec = (time_t)seconds};

	while (clock_nanosleep(CLOCK_BOOTTIME, 0, &ts, &ts) == EINTR)
		;
}

/* "18:40", or "Mon 18:40" a day or more ahead. */
static void clock_at(char *out, size_t cap, uint64_t seconds_left)
{
	time_t end = time(NULL) + (time_t)seconds_left;
	struct tm tm;

	localtime_r(&end, &tm);
	strftime(out, cap, seconds_left >= 86400 ? "%a %H:%M" : "%H:%M", &tm);
}

/* One line on stderr, not repeated while the same thing goes wrong. */
static void complain(struct watch *w, const char *line)
{
	if (strcmp(w->last_err, line) == 0)
		return;
	snprintf(w->last_err, sizeof(w->last_err), "%s", line);
	fprintf(stderr, "enroll: watch: %s\n", line);
}

static void post(struct watch *w, const char *summary, const char *body, bool urgent)
{
	char err[ERR_LEN];

	printf("notice: %s: %s\n", summary, body);
	fflush(stdout);
	if (notice_post(&w->n, summary, body, urgent, err) < 0)
		complain(w, err);
}

static void post_ending(struct watch *w, uint64_t left)
{
	char summary[128], body[256], at[32], in[32];

	clock_at(at, sizeof(at), left);
	duration_format_minutes(in, sizeof(in), left);
	snprintf(summary, sizeof(summary), "keygate: %s ends at %s", w->o.ifname, at);
	snprintf(body, sizeof(body),
		 "The session of %s ends at %s (in %s). Touch your security key to extend it.",
		 w->st.peer, at, in);
	post(w, summary, body, true);
}

static void post_ended(struct watch *w, const struct proto_reply *rep)
{
	char summary[128], body[256], d[32];
	const char *why = proto_end_reason_str(rep->end_reason);

	snprintf(summary, sizeof(summary), "keygate: %s session ended", w->o.ifname);
	if (rep->end_reason == PROTO_END_IDLE) {
		duration_format_minutes(d, sizeof(d), rep->idle_seconds);
		snprintf(body, sizeof(body),
			 "The session of %s ended after being idle for %s. 'enroll up' starts a "
			 "new one.",
			 w->st.peer, d);
	} else {
		snprintf(body, sizeof(body),
			 "The session of %s ended: %s. 'enroll up' starts a new one.", w->st.peer,
			 why != NULL ? why : "the session ended");
	}
	post(w, summary, body, true);
}

/* A touch asked for; 0 extended, 1 not touched (ask again), 2 no key
 * plugged in (ask again a little later), -1 refused for good (said so). */
static int try_extend(struct watch *w)
{
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_reply rep;
	char summary[128], body[256], at[32], left[32];
	int why, r;

	memcpy(t.key, w->st.peer_key, KEY_LEN);
	r = activate_run(&w->o, &w->st, &t, w->sk, &rep, "watch", &why);
	if (r != 0) {
		sodium_memzero(&rep, sizeof(rep));
		if (why == PROTO_ERR_NO_TOUCH)
			return 1;
		if (why == -ENODEV)
			return 2;
		snprintf(summary, sizeof(summary), "keygate: %s not extended", w->o.ifname);
		snprintf(body, sizeof(body),
			 "The touch did not extend the session of %s (%s). Run 'enroll up' in a "
			 "terminal.",
			 w->st.peer, why >= 0 ? proto_strerror(why) : strerror(-why));
		post(w, summary, body, true);
		return -1;
	}
	if ((rep.fields & PROTO_REP_PSK) && tunnel_exists(&w->o))
		tunnel_set_psk(&w->o, NULL, rep.psk, true);
	w->st.session_end = (uint64_t)time(NULL) + rep.seconds_left;
	state_save(&w->st, &w->o, true);
	clock_at(at, sizeof(at), rep.seconds_left);
	duration_format_minutes(left, sizeof(left), rep.seconds_left);
	snprintf(summary, sizeof(summary), "keygate: %s extended", w->o.ifname);
	snprintf(body, sizeof(body), "%s is active until %s (%s left).", w->st.peer, at, left);
	post(w, summary, body, false);
	sodium_memzero(&rep, sizeof(rep));
	return 0;
}

static void watch_loop(struct watch *w)
{
	bool was_active = false, noticed = false, gave_up = false;
	struct proto_reply rep;
	uint64_t wait;
	char err[ERR_LEN], line[ERR_LEN + 32];
	int r;

	for (;;) {
		r = enroll_status_query(&w->o, &w->st, w->sk, &rep, err);
		if (r != PROTO_OK) {
			snprintf(line, sizeof(line), "cannot ask the gateway: %s",
				 err[0] != '\0' ? err : proto_strerror(r));
			complain(w, line);
			boot_sleep(w->o.every);
			continue;
		}
		w->last_err[0] = '\0';
		if (rep.state != 1) {
			if (was_active)
				post_ended(w, &rep);
			was_active = noticed = gave_up = false;
			boot_sleep(w->o.every);
			continue;
		}
		was_active = true;
		if (rep.seconds_left > w->o.before) {
			noticed = gave_up = false;
			wait = rep.seconds_left - w->o.before;
			boot_sleep(wait < w->o.every ? wait : w->o.every);
			continue;
		}
		if (!noticed)
			post_ending(w, rep.seconds_left);
		noticed = true;
		/* The key waits for the touch (it blinks) until its own timeout;
		 * then ask again, as long as the window lasts. */
		r = gave_up ? -1 : try_extend(w);
		if (r == 0)
			noticed = false;
		else if (r < 0)
			gave_up = true;
		/* Given up: ask again when the window is over, to say why. */
		wait = r == 2 ? 5 : r < 0 ? rep.seconds_left + 1 : 0;
		if (wait > w->o.every)
			wait = w->o.every;
		if (wait > 0)
			boot_sleep(wait);
	}
}

int watch_main(int argc, char **argv)
{
	struct watch w = {0};
	char pin[ENROLL_PIN_MAX + 1] = "", err[ERR_LEN];
	int status;

	if (enroll_tunnel_load(&w.o, &w.st, argc, argv, usage, "enroll watch", &status) < 0)
		return status;
	if (!w.st.device) {
		fprintf(stderr, "enroll: %s has no tunnel on this machine to watch\n", w.o.ifname);
		return 1;
	}
	if (w.o.before == 0)
		w.o.before = DEFAULT_BEFORE;
	if (w.o.every == 0)
		w.o.every = DEFAULT_EVERY;
	if (notice_init(&w.n, err) < 0 || notice_check(&w.n, err) < 0) {
		fprintf(stderr, "enroll: watch: %s\n", err);
		return 1;
	}
	if (tunnel_private_key(&w.o, w.sk) < 0)
		return 1;
	/* Unattended: a PIN now or never, and a touch that does not come is
	 * the user's answer, not an error. */
	w.o.pin = "";
	w.o.touch_optional = true;
	if (w.o.pin_fd >= 0) {
		if (pin_read(pin, &w.o, "your security key") < 0)
			return 1;
		w.o.pin = pin;
	}
	printf("Watching %s: a notice %s before its window ends.\n", w.o.ifname,
	       (duration_format_minutes(err, sizeof(err), w.o.before), err));
	fflush(stdout);
	watch_loop(&w);
	return 0;
}

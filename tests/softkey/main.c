/* SPDX-License-Identifier: ISC */
/*
 * softkey: options, the SOCK_SEQPACKET socket and the event loop. Each
 * message on a connection is one 64-byte CTAPHID report. Several clients
 * may connect at once; like a real key, softkey serves one transaction at a
 * time and tells the others it is busy.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/log.h"
#include "skcrypto.h"
#include "softkey.h"
#include "state.h"
#include "uhid.h"

#define MAX_CONNS    16
#define KEEPALIVE_MS 100

struct server {
	int lfd;
	size_t nconns;
	int conns[MAX_CONNS];
	bool dead[MAX_CONNS];
	int cur; /* where replies go: the sender of the current report */
	struct softkey sk;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_report(void *ctx, const uint8_t *report)
{
	struct server *s = ctx;

	/* A client that went away loses its reply; softkey carries on. */
	if (s->cur < 0 || send(s->cur, report, CTAPHID_REPORT_LEN, MSG_NOSIGNAL) < 0)
		return 0;
	return 0;
}

static int save_state(struct softkey *sk)
{
	return state_save(&sk->st, sk->cfg.state_path);
}

/* Reads one report from connection i; false when it closed. */
static bool read_report(struct server *s, size_t i, uint8_t *report, bool *ok)
{
	uint8_t buf[CTAPHID_REPORT_LEN + 1];
	ssize_t n = recv(s->conns[i], buf, sizeof(buf), MSG_TRUNC);

	*ok = false;
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		s->dead[i] = true;
		return false;
	}
	if (n != CTAPHID_REPORT_LEN) {
		log_debug("dropped a report of %zd bytes (want %d)", n, CTAPHID_REPORT_LEN);
		return true;
	}
	memcpy(report, buf, CTAPHID_REPORT_LEN);
	*ok = true;
	return true;
}

/* Runs while a request waits for a touch: keepalives every 100 ms, and the
 * other connections still get answers (busy, or INIT). */
static int wait_touch(struct softkey *sk)
{
	struct server *s = sk->io;
	int waiter = s->cur;
	int64_t t = now_ms(), deadline, next_ka = t;
	struct pollfd pfd[MAX_CONNS];
	uint8_t report[CTAPHID_REPORT_LEN];

	deadline = t + (sk->cfg.presence ? sk->cfg.touch_delay_ms : sk->cfg.touch_timeout_ms);
	while ((t = now_ms()) < deadline && !sk->cancelled && !stopping) {
		int wait;

		if (t >= next_ka) {
			s->cur = waiter;
			softkey_keepalive(sk, CTAPHID_KEEPALIVE_UPNEEDED);
			next_ka = t + KEEPALIVE_MS;
		}
		wait = (int)((next_ka < deadline ? next_ka : deadline) - t);
		for (size_t i = 0; i < s->nconns; i++) {
			pfd[i].fd = s->dead[i] ? -1 : s->conns[i];
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, s->nconns, wait) <= 0)
			continue;
		for (size_t i = 0; i < s->nconns; i++) {
			bool ok;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!read_report(s, i, report, &ok)) {
				if (s->conns[i] == waiter)
					sk->cancelled = true;
				continue;
			}
			if (!ok)
				continue;
			s->cur = s->conns[i];
			softkey_frame(sk, report, now_ms());
		}
	}
	s->cur = waiter;
	if (sk->cancelled || stopping)
		return CTAP2_ERR_KEEPALIVE_CANCEL;
	return sk->cfg.presence ? CTAP2_OK : CTAP2_ERR_OPERATION_DENIED;
}

static void reap(struct server *s)
{
	size_t j = 0;

	for (size_t i = 0; i < s->nconns; i++) {
		if (s->dead[i]) {
			close(s->conns[i]);
			continue;
		}
		s->conns[j] = s->conns[i];
		s->dead[j++] = false;
	}
	s->nconns = j;
}

static int serve(struct server *s)
{
	struct pollfd pfd[MAX_CONNS + 1];
	uint8_t report[CTAPHID_REPORT_LEN];

	while (!stopping) {
		int timeout = softkey_tick(&s->sk, now_ms());
		size_t n = s->nconns;

		for (size_t i = 0; i < n; i++) {
			pfd[i].fd = s->conns[i];
			pfd[i].events = POLLIN;
		}
		pfd[n].fd = n < MAX_CONNS ? s->lfd : -1;
		pfd[n].events = POLLIN;
		if (poll(pfd, n + 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return -errno;
		}
		for (size_t i = 0; i < n; i++) {
			bool ok;

			if (s->dead[i] || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!read_report(s, i, report, &ok) || !ok)
				continue;
			s->cur = s->conns[i];
			softkey_frame(&s->sk, report, now_ms());
		}
		reap(s);
		if (pfd[n].revents & POLLIN) {
			int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				s->conns[s->nconns] = fd;
				s->dead[s->nconns++] = false;
			}
		}
	}
	return 0;
}

/* Bound under PATH.new and renamed once it listens: whoever waits for
 * PATH to appear (every test does) never finds a socket that refuses. */
static int listen_on(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) + 4 >= sizeof(sun.sun_path)) {
		log_error("socket path too long: '%s'", path);
		return -ENAMETOOLONG;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.new", path);
	/* A socket left by an earlier run is ours to replace; anything else is not. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (lstat(sun.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sun.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, MAX_CONNS) < 0 ||
	    rename(sun.sun_path, path) < 0) {
		int r = -errno;

		log_error("cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: softkey --socket PATH | --uhid NAME\n"
		"               [--alg es256|eddsa] [--pin PIN] [--presence yes|no]\n"
		"               [--state FILE] [--u2f-only] [--pin-protocol 1|2]\n"
		"               [--touch-delay MS] [--touch-timeout MS] [--frame-timeout MS] [-v]\n"
		"\n"
		"A software FIDO2/U2F security key on an AF_UNIX SOCK_SEQPACKET socket, one\n"
		"64-byte CTAPHID report per message. For tests only, never a default: its\n"
		"secrets live in memory or in the --state file, not in hardware.\n"
		"\n"
		"  --socket PATH       where to listen\n"
		"  --uhid NAME         be a USB key instead: a HID device through /dev/uhid\n"
		"                      that libfido2 finds and opens by its hidraw node\n"
		"  --alg ALG           the only algorithm offered (default: es256 and eddsa)\n"
		"  --pin PIN           the PIN of a key that has none yet\n"
		"  --presence no       nobody touches the key: requests that need a touch fail\n"
		"  --state FILE        keep secret, PIN state and counter across runs\n"
		"  --u2f-only          an old U2F key: no CTAP2, ES256, no PIN\n"
		"  --pin-protocol N    offer only PIN/UV auth protocol N (default: 1 and 2)\n"
		"  --touch-delay MS    how long the touch takes (default 0)\n"
		"  --touch-timeout MS  how long an untouched key waits (default 1000)\n"
		"  --frame-timeout MS  gap allowed between fragments (default 500)\n"
		"  -v, --verbose       debug output\n");
}

static int parse_ms(const char *opt, const char *val, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || v < 0 || v > 600000) {
		log_error("invalid %s '%s': expected milliseconds from 0 to 600000", opt, val);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

/* Applies --pin to the loaded or new state. */
static int apply_pin(struct sk_state *st, const char *pin)
{
	uint8_t hash[32];
	int r = 0;

	skc_sha256(pin, strlen(pin), hash);
	if (st->pin_set && sodium_memcmp(hash, st->pin_hash, SK_PIN_HASH_LEN) != 0) {
		log_error("the state file holds a different PIN than --pin");
		r = -EINVAL;
	} else if (!st->pin_set) {
		memcpy(st->pin_hash, hash, SK_PIN_HASH_LEN);
		st->pin_set = true;
		st->pin_retries = SK_PIN_RETRIES;
	}
	sodium_memzero(hash, sizeof(hash));
	return r;
}

enum { OPT_PIN_PROTOCOL = 256, OPT_TOUCH_DELAY, OPT_TOUCH_TIMEOUT, OPT_FRAME_TIMEOUT };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"uhid", required_argument, NULL, 'U'},
		{"alg", required_argument, NULL, 'a'},
		{"pin", required_argument, NULL, 'p'},
		{"presence", required_argument, NULL, 'P'},
		{"state", required_argument, NULL, 'S'},
		{"u2f-only", no_argument, NULL, 'u'},
		{"pin-protocol", required_argument, NULL, OPT_PIN_PROTOCOL},
		{"touch-delay", required_argument, NULL, OPT_TOUCH_DELAY},
		{"touch-timeout", required_argument, NULL, OPT_TOUCH_TIMEOUT},
		{"frame-timeout", required_argument, NULL, OPT_FRAME_TIMEOUT},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sk_config cfg = {
		.algs = SK_ALG_ES256 | SK_ALG_EDDSA,
		.pin_protocols = 2 | 4,
		.presence = true,
		.touch_timeout_ms = 1000,
		.frame_timeout_ms = 500,
	};
	static struct server s = {.lfd = -1, .cur = -1};
	struct sigaction sa = {.sa_handler = on_signal};
	const char *sock = NULL, *pin = NULL, *uhid_name = NULL;
	struct uhid_dev u = {.fd = -1};
	char err[ERR_LEN];
	struct sk_state st;
	int c, r = 0, ret = 1;

	log_init("softkey", LOGL_INFO);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'U':
			if (strlen(optarg) < 1 || strlen(optarg) > 32) {
				log_error("invalid --uhid '%s': expected a name of 1 to 32 bytes",
					  optarg);
				return 2;
			}
			uhid_name = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "es256") == 0)
				cfg.algs = SK_ALG_ES256;
			else if (strcmp(optarg, "eddsa") == 0)
				cfg.algs = SK_ALG_EDDSA;
			else {
				log_error("invalid --alg '%s': expected es256 or eddsa", optarg);
				return 2;
			}
			break;
		case 'p':
			pin = optarg;
			if (strlen(pin) < 4 || strlen(pin) > 63) {
				log_error("invalid --pin: expected 4 to 63 bytes, got %zu",
					  strlen(pin));
				return 2;
			}
			break;
		case 'P':
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0) {
				log_error("invalid --presence '%s': expected yes or no", optarg);
				return 2;
			}
			cfg.presence = strcmp(optarg, "yes") == 0;
			break;
		case 'S':
			cfg.state_path = optarg;
			break;
		case 'u':
			cfg.u2f_only = true;
			break;
		case OPT_PIN_PROTOCOL:
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
				log_error("invalid --pin-protocol '%s': expected 1 or 2", optarg);
				return 2;
			}
			cfg.pin_protocols = 1u << (optarg[0] - '0');
			break;
		case OPT_TOUCH_DELAY:
			if (parse_ms("--touch-delay", optarg, &cfg.touch_delay_ms) < 0)
				return 2;
			break;
		case OPT_TOUCH_TIMEOUT:
			if (parse_ms("--touch-timeout", optarg, &cfg.touch_timeout_ms) < 0)
				return 2;
			break;
		case OPT_FRAME_TIMEOUT:
			if (parse_ms("--frame-timeout", optarg, &cfg.frame_timeout_ms) < 0)
				return 2;
			break;
		case 'v':
			log_init("softkey", LOGL_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (sock == NULL) == (uhid_name == NULL)) {
		if (sock == NULL && uhid_name == NULL)
			log_error("--socket PATH or --uhid NAME is required");
		else if (optind == argc)
			log_error("--socket and --uhid exclude each other");
		else
			log_error("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cfg.u2f_only)
		cfg.algs = SK_ALG_ES256;
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}

	if (cfg.state_path == NULL || (r = state_load(&st, cfg.state_path)) == -ENOENT)
		state_new(&st);
	else if (r < 0)
		return 1;
	if (pin != NULL && apply_pin(&st, pin) < 0)
		goto out;
	if (cfg.state_path != NULL && state_save(&st, cfg.state_path) < 0)
		goto out;
	if (softkey_init(&s.sk, &cfg, &st) < 0) {
		log_error("cannot set up the device (OpenSSL or libsodium failed)");
		goto out;
	}
	s.sk.send = send_report;
	s.sk.io = &s;
	s.sk.wait_touch = wait_touch;
	if (cfg.state_path != NULL)
		s.sk.save_state = save_state;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (uhid_name != NULL) {
		if (uhid_create(&u, &s.sk, uhid_name, 0x000b, &stopping, err) < 0) {
			log_error("%s", err);
			goto out;
		}
		log_info("plugged in as HID device 'keygate softkey %s'", uhid_name);
		if (uhid_serve(&u) == 0)
			ret = 0;
		uhid_destroy(&u);
		goto out;
	}
	if ((s.lfd = listen_on(sock)) < 0)
		goto out;
	log_debug("listening on %s", sock);
	if (serve(&s) == 0)
		ret = 0;
	unlink(sock);
out:
	for (size_t i = 0; i < s.nconns; i++)
		close(s.conns[i]);
	if (s.lfd >= 0)
		close(s.lfd);
	softkey_finish(&s.sk);
	sodium_memzero(&st, sizeof(st));
	return ret;
}

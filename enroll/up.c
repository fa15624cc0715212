/* SPDX-License-Identifier: ISC */
/*
 * enroll up [IF]: activate first (the gateway keeps us off its interface
 * until then), then bring the tunnel up with the session's PSK, so the
 * first packet goes through at once.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/duration.h"
#include "enroll.h"
#include "tunnel.h"

static const char usage[] = "usage: enroll up [IF] [--device DEV] [--pin-fd N]\n"
			    "\n"
			    "Activates this machine's peer with the security key, sets the\n"
			    "session key on IF (default wg0) and brings the tunnel up.\n";

struct activate_ctx {
	struct enroll_key key;
	const char *pin;
	const struct enroll_state *st;
};

int activate_prepare(void *arg, const struct proto_client *c, struct proto_request *req);
int activate_prepare(void *arg, const struct proto_client *c, struct proto_request *req)
{
	struct activate_ctx *x = arg;
	uint8_t cdh[32];
	int r;

	proto_client_cdh(c, cdh, "activate", NULL);
	printf("Touch your security key.\n");
	fflush(stdout);
	r = key_get_assertion(&x->key, x->pin, x->st->rp_id, x->st->creds, x->st->n_creds, cdh,
			      &req->assertion);
	if (r != PROTO_OK)
		return r;
	req->fields |= PROTO_REQ_ASSERTION;
	return 0;
}

/* Opens the key, reads the PIN, runs the exchange; 0 or 1 after a message. */
int activate_run(const struct enroll_opts *o, const struct enroll_state *st,
		 const struct proto_target *t, const uint8_t *sk, struct proto_reply *rep,
		 const char *what);
int activate_run(const struct enroll_opts *o, const struct enroll_state *st,
		 const struct proto_target *t, const uint8_t *sk, struct proto_reply *rep,
		 const char *what)
{
	struct activate_ctx x = {.st = st};
	struct actclient_opts ao;
	char host[PROTO_ENDPOINT_MAX + 1], pin[ENROLL_PIN_MAX + 1] = "";
	int r, ret = 1;

	if (enroll_gateway(&ao, host, sizeof(host), st, o) < 0)
		return 1;
	if (key_open(&x.key, o->device) != PROTO_OK)
		return 1;
	if (key_wants_pin(&x.key)) {
		if (pin_read(pin, o, "your security key") != 0)
			goto fail;
		x.pin = pin;
	}
	r = actclient_run(&ao, st->gw_key, PROTO_OP_ACTIVATE, t, sk, activate_prepare, &x, rep);
	if (r == PROTO_OK && rep->status != PROTO_OK)
		r = rep->status;
	if (r != PROTO_OK) {
		enroll_refused(what, r, rep, &x.key);
		goto fail;
	}
	enroll_clock_note(rep);
	ret = 0;
fail:
	sodium_memzero(pin, sizeof(pin));
	key_close(&x.key);
	return ret;
}

void print_until(const char *who, uint64_t seconds_left);
void print_until(const char *who, uint64_t seconds_left)
{
	time_t end = time(NULL) + (time_t)seconds_left;
	char when[32], left[32];
	struct tm tm;

	localtime_r(&end, &tm);
	strftime(when, sizeof(when), seconds_left >= 86400 ? "%a %H:%M" : "%H:%M", &tm);
	duration_format_minutes(left, sizeof(left), seconds_left);
	printf("%s is active until %s (%s left).\n", who, when, left);
}

int up_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_reply rep;
	uint8_t sk[KEY_LEN];
	int ret = 1, status;

	if (enroll_tunnel_load(&o, &st, argc, argv, usage, &status) < 0)
		return status;
	if (!st.device) {
		fprintf(stderr,
			"enroll: %s's key pair lives elsewhere; activate it with 'enroll "
			"activate %s'\n",
			st.peer, st.peer);
		return 1;
	}
	if (tunnel_private_key(&o, sk) < 0)
		return 1;
	memcpy(t.key, st.peer_key, KEY_LEN);
	if (activate_run(&o, &st, &t, sk, &rep, "up") != 0)
		goto fail;
	if (!(rep.fields & PROTO_REP_PSK)) {
		fprintf(stderr, "enroll: up: the gateway sent no session key\n");
		goto fail;
	}
	if (!tunnel_exists(&o) && tunnel_wg_quick(&o, "up") < 0)
		goto fail;
	if (tunnel_set_psk(&o, NULL, rep.psk) < 0)
		goto fail;
	st.session_end = (uint64_t)time(NULL) + rep.seconds_left;
	state_save(&st, &o, true);
	print_until(o.ifname, rep.seconds_left);
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&rep, sizeof(rep));
	return ret;
}

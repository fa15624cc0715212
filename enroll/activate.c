/* SPDX-License-Identifier: ISC */
/* enroll activate PEER: another peer of the same owner, such as a phone. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "activate.h"
#include "cli.h"
#include "enroll.h"
#include "seckey.h"
#include "pin.h"
#include "tunnel.h"

static const char usage[] =
	"usage: enroll activate PEER [--device DEV] [--pin-fd N] [--interface IF]\n"
	"\n"
	"Activates PEER, another peer of your own (a phone), with your security\n"
	"key. The gateway is the one IF (default wg0) was registered with.\n";

struct activate_ctx {
	struct seckey key;
	const char *pin;
	const struct enroll_state *st;
};

static int prepare(void *arg, const struct proto_client *c, struct proto_request *req)
{
	struct activate_ctx *x = arg;
	uint8_t cdh[32];
	int r;

	proto_client_cdh(c, cdh, "activate", NULL);
	printf("Touch your security key.\n");
	fflush(stdout);
	r = seckey_get_assertion(&x->key, x->pin, x->st->rp_id, x->st->creds, x->st->n_creds, cdh,
				 &req->assertion);
	if (r != PROTO_OK)
		return r;
	req->fields |= PROTO_REQ_ASSERTION;
	return 0;
}

int activate_run(const struct enroll_opts *o, struct enroll_state *st, const struct proto_target *t,
		 const uint8_t *sk, struct proto_reply *rep, const char *what)
{
	struct activate_ctx x = {.st = st};
	struct actclient_opts ao;
	char host[PROTO_ENDPOINT_MAX + 1], pin[ENROLL_PIN_MAX + 1] = "", err[ERR_LEN];
	int r, ret;

	ret = enroll_gateway(&ao, host, sizeof(host), st, o);
	if (ret < 0)
		return ret;
	ret = seckey_open(&x.key, o->device, err);
	if (ret < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		return ret;
	}
	if (seckey_wants_pin(&x.key)) {
		ret = pin_read(pin, o, "your security key");
		if (ret < 0)
			goto fail;
		x.pin = pin;
	}
	r = actclient_run(&ao, st->gw_key, PROTO_OP_ACTIVATE, t, sk, prepare, &x, rep, err);
	enroll_learn_key(st, o, r, rep);
	if (r == PROTO_OK && rep->status != PROTO_OK)
		r = rep->status;
	if (r != PROTO_OK) {
		enroll_refused(what, r, rep, &x.key, err);
		ret = -EACCES;
		goto fail;
	}
	enroll_clock_note(rep);
	ret = 0;
fail:
	sodium_memzero(pin, sizeof(pin));
	seckey_close(&x.key);
	return ret;
}

int activate_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct proto_target t = {.kind = PROTO_TARGET_NAME};
	struct proto_reply rep;
	uint8_t sk[KEY_LEN];
	bool device = false;
	int r, ret = 1;

	r = opts_parse(&o, argc, argv, 1, usage);
	if (r < 0)
		return r == -ECANCELED ? 0 : 2;
	if (o.n_args != 1) {
		fprintf(stderr, "enroll: activate needs the name of the peer\n%s", usage);
		return 2;
	}
	if (!proto_name_valid(o.args[0], strlen(o.args[0]))) {
		fprintf(stderr, "enroll: invalid peer name '%s': 1-32 of a-z 0-9 . _ -\n",
			o.args[0]);
		return 2;
	}
	snprintf(t.name, sizeof(t.name), "%s", o.args[0]);
	if (state_load(&st, &o) < 0)
		return 1;
	/* With a device key the request also proves this machine; it is not
	 * needed to activate another peer, which gets no session key. */
	if (st.device && tunnel_private_key(&o, sk) == 0)
		device = true;
	if (activate_run(&o, &st, &t, device ? sk : NULL, &rep, "activate") != 0)
		goto fail;
	enroll_print_until(t.name, rep.seconds_left);
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&rep, sizeof(rep));
	return ret;
}

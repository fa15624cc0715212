/* SPDX-License-Identifier: ISC */
/*
 * enroll add-key: a backup security key. The new key makes a credential;
 * a key already registered signs for exactly that credential (its digest
 * is in the clientDataHash), all within one challenge, and the request
 * carries this laptop's device proof, which the gateway requires too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "enroll.h"
#include "seckey.h"
#include "pin.h"
#include "tunnel.h"

static const char usage[] =
	"usage: enroll add-key [--device NEW] [--auth-device OLD] [--pin-fd N] [--interface IF]\n"
	"\n"
	"Registers the security key NEW as a backup, authorised by OLD, a key\n"
	"already registered, from this laptop: the gateway adds a key only for a\n"
	"key and an enabled laptop of the owner together. With --pin-fd, the first\n"
	"line is NEW's PIN and the second OLD's.\n";

struct ctx {
	struct seckey nk, ok;
	const char *npin, *opin;
	const struct enroll_state *st;
	struct proto_cred cred;
};

static int prepare(void *arg, const struct proto_client *c, struct proto_request *req)
{
	struct ctx *x = arg;
	uint8_t cdh[32], digest[32];
	int r;

	proto_client_cdh(c, cdh, "add-key-new", NULL);
	printf("Touch the NEW security key.\n");
	fflush(stdout);
	r = seckey_make_cred(&x->nk, x->npin, x->st->rp_id, "keygate", cdh, &x->cred);
	if (r != PROTO_OK)
		return r;
	proto_cred_digest(digest, &x->cred);
	proto_client_cdh(c, cdh, "add-key", digest);
	printf("Touch the security key you registered before.\n");
	fflush(stdout);
	r = seckey_get_assertion(&x->ok, x->opin, x->st->rp_id, x->st->creds, x->st->n_creds, cdh,
				 &req->assertion);
	if (r != PROTO_OK)
		return r;
	req->fields |= PROTO_REQ_ASSERTION | PROTO_REQ_NEW_CRED;
	req->cred = x->cred;
	return 0;
}

int addkey_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct actclient_opts ao;
	struct proto_target t = {0};
	struct proto_reply rep;
	struct ctx x;
	char host[PROTO_ENDPOINT_MAX + 1],
		npin[ENROLL_PIN_MAX + 1] = "", opin[ENROLL_PIN_MAX + 1] = "", err[ERR_LEN];
	uint8_t sk[KEY_LEN];
	bool device = false;
	int r, ret = 1;

	r = opts_parse(&o, argc, argv, 0, usage);
	if (r < 0)
		return r == -ECANCELED ? 0 : 2;
	if (state_load(&st, &o) < 0)
		return 1;
	if (st.n_creds == ENROLL_MAX_CREDS) {
		fprintf(stderr, "enroll: %s already has %d security keys\n", o.ifname,
			ENROLL_MAX_CREDS);
		return 1;
	}
	memset(&x, 0, sizeof(x));
	x.st = &st;
	if (enroll_gateway(&ao, host, sizeof(host), &st, &o) < 0)
		return 1;
	if (seckey_open(&x.nk, o.device, err) < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		return 1;
	}
	/* Not told which is the old key: the other one plugged in. */
	if (seckey_open_other(&x.ok, o.auth_device, o.device, err) < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		goto fail;
	}
	if (seckey_wants_pin(&x.nk)) {
		if (pin_read(npin, &o, "the NEW security key") < 0)
			goto fail;
		x.npin = npin;
	}
	if (seckey_wants_pin(&x.ok)) {
		if (pin_read(opin, &o, "the security key registered before") < 0)
			goto fail;
		x.opin = opin;
	}
	if (st.device && tunnel_private_key(&o, sk) == 0) {
		device = true;
		t.kind = PROTO_TARGET_KEY;
		memcpy(t.key, st.peer_key, KEY_LEN);
	} else {
		t.kind = PROTO_TARGET_NAME;
		snprintf(t.name, sizeof(t.name), "%s", st.peer);
	}
	r = actclient_run(&ao, st.gw_key, PROTO_OP_ADD_KEY, &t, device ? sk : NULL, prepare, &x,
			  &rep, err);
	enroll_learn_key(&st, &o, r, &rep);
	if (r == PROTO_OK && rep.status != PROTO_OK)
		r = rep.status;
	if (r != PROTO_OK) {
		enroll_refused("add-key", r, &rep, &x.ok, err);
		goto fail;
	}
	st.creds[st.n_creds].alg = x.cred.alg;
	st.creds[st.n_creds].id_len = x.cred.id_len;
	memcpy(st.creds[st.n_creds].id, x.cred.id, x.cred.id_len);
	st.n_creds++;
	if (state_save(&st, &o, true) < 0)
		goto fail;
	printf("Added the security key %s for %s.\n",
	       (rep.fields & PROTO_REP_KEY_ID) ? rep.key_id : "", st.owner);
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(npin, sizeof(npin));
	sodium_memzero(opin, sizeof(opin));
	seckey_close(&x.nk);
	seckey_close(&x.ok);
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * kg-actprobe: `enroll up`'s activation with one thing bent, for the netns
 * tests of what the gateway must refuse. It runs the real exchange with the
 * real security key (through enroll's own code), but the key signs a
 * clientDataHash made for another gateway (KG_CDH_GATEWAY, base64) or
 * another peer (KG_CDH_PEER, base64), or the request claims a clock
 * KG_TIME_OFFSET seconds off. With none set it is `enroll up` without the
 * tunnel: the control that shows the probe itself works. Prints "ok" or
 * enroll's one-line refusal; exits 0 only on ok. Options as enroll's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "enroll.h"
#include "seckey.h"
#include "pin.h"
#include "tunnel.h"

struct probe {
	struct seckey key;
	const char *pin;
	const struct enroll_state *st;
	bool other_gw, other_peer;
	uint8_t gw[KEY_LEN];
	struct proto_target peer;
	long long offset;
};

static int env_key(const char *name, uint8_t key[KEY_LEN])
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		return 0;
	if (key_from_base64(key, v) < 0) {
		fprintf(stderr, "kg-actprobe: invalid key '%s' in %s\n", v, name);
		exit(2);
	}
	return 1;
}

static int prepare(void *arg, const struct proto_client *c, struct proto_request *req)
{
	struct probe *p = arg;
	uint8_t cdh[32];

	proto_client_data_hash(cdh, "activate", p->other_gw ? p->gw : c->gw_pub,
			       p->other_peer ? &p->peer : &c->target, &c->challenge, NULL);
	req->client_time = (uint64_t)((long long)req->client_time + p->offset);
	if (seckey_get_assertion(&p->key, p->pin, p->st->rp_id, p->st->creds, p->st->n_creds, cdh,
				 &req->assertion) != PROTO_OK)
		return PROTO_ERR_NO_TOUCH;
	req->fields |= PROTO_REQ_ASSERTION;
	return 0;
}

int main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct probe p = {.st = &st, .peer = {.kind = PROTO_TARGET_KEY}};
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct actclient_opts ao;
	struct proto_reply rep;
	char host[PROTO_ENDPOINT_MAX + 1], pin[ENROLL_PIN_MAX + 1] = "", err[ERR_LEN];
	const char *off = getenv("KG_TIME_OFFSET");
	uint8_t sk[KEY_LEN];
	int r, ret = 1;

	if (sodium_init() < 0)
		return 1;
	r = opts_parse(&o, argc, argv, 0, "usage: kg-actprobe [enroll options]\n");
	if (r < 0)
		return r == -ECANCELED ? 0 : 2;
	p.other_gw = env_key("KG_CDH_GATEWAY", p.gw);
	p.other_peer = env_key("KG_CDH_PEER", p.peer.key);
	p.offset = off != NULL ? strtoll(off, NULL, 10) : 0;
	if (state_load(&st, &o) < 0 || tunnel_private_key(&o, sk) < 0 ||
	    enroll_gateway(&ao, host, sizeof(host), &st, &o) < 0)
		return 1;
	memcpy(t.key, st.peer_key, KEY_LEN);
	if (seckey_open(&p.key, o.device, err) < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		goto fail;
	}
	if (seckey_wants_pin(&p.key)) {
		if (pin_read(pin, &o, "your security key") < 0)
			goto fail;
		p.pin = pin;
	}
	r = actclient_run(&ao, st.gw_key, PROTO_OP_ACTIVATE, &t, sk, prepare, &p, &rep, err);
	if (r == PROTO_OK && rep.status != PROTO_OK)
		r = rep.status;
	if (r != PROTO_OK) {
		enroll_refused("probe", r, &rep, &p.key, err);
		goto fail;
	}
	printf("ok\n");
	ret = 0;
fail:
	seckey_close(&p.key);
	sodium_memzero(pin, sizeof(pin));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&rep, sizeof(rep));
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * enroll register URI: a credential on the security key, a WireGuard key
 * pair on this machine, both registered with the gateway under the
 * one-time code, then IF.conf for wg-quick and IF.keygate beside it.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "enroll.h"
#include "keypick.h"
#include "seckey.h"
#include "tunnel.h"
#include "tunnel_addr.h"
#include "pin.h"
#include "base/outfile.h"
#include "proto/proto_uri.h"
#include "wg/wgq.h"

static const char usage[] =
	"usage: enroll register URI [--device DEV] [--auth-device OLD] [--pin-fd N]\n"
	"                           [--interface IF] [--replace] [--config-dir DIR]\n"
	"                           [--timeout MS] [--tries N]\n"
	"\n"
	"Registers a security key and this machine with the gateway named in\n"
	"URI (what 'vpnd peer add' printed) and writes /etc/wireguard/IF.conf.\n"
	"An IF set up before is refused unless --replace (a new key after a lost\n"
	"one): its config and state are replaced once the gateway has agreed.\n"
	"When the owner has keys already (the URI names them), one of them signs\n"
	"for the new one: DEV itself, or OLD. With --pin-fd and OLD, the first\n"
	"line is DEV's PIN and the second OLD's.\n";

struct ctx {
	struct seckey key, old;
	struct seckey *auth; /* the key that signs for the new one: &key or &old */
	const char *pin, *auth_pin;
	const struct proto_uri *uri;
	struct enroll_cred owned[PROTO_URI_KEYS_MAX]; /* the owner's keys, from the URI */
	struct proto_cred cred;
};

static int prepare(void *arg, const struct proto_client *c, struct proto_request *req)
{
	struct ctx *x = arg;
	uint8_t cdh[32], digest[32];
	int r;

	proto_client_cdh(c, cdh, "enroll", NULL);
	seckey_prompt(&x->key, "the security key to register");
	r = seckey_make_cred(&x->key, x->pin, x->uri->rp_id, "keygate", cdh, &x->cred);
	if (r != PROTO_OK)
		return r;
	req->fields |= PROTO_REQ_CODE | PROTO_REQ_NEW_CRED;
	memcpy(req->code, x->uri->code, PROTO_CODE_LEN);
	req->cred = x->cred;
	if (x->uri->n_keys == 0)
		return 0;
	/* The owner has keys: one of them signs for exactly this new one. */
	proto_cred_digest(digest, &x->cred);
	proto_client_cdh(c, cdh, PROTO_PURPOSE_ENROLL_AUTH, digest);
	printf("Touch %s to sign for it.\n", x->auth == &x->key
						     ? "your security key again"
						     : "the security key you registered before");
	fflush(stdout);
	r = seckey_get_assertion(x->auth, x->auth_pin, x->uri->rp_id, x->owned, x->uri->n_keys, cdh,
				 &req->assertion);
	if (r != PROTO_OK)
		return r;
	req->fields |= PROTO_REQ_ASSERTION;
	return 0;
}

/* The key that signs for the new one, and its PIN. */
static int open_auth(struct ctx *x, const struct enroll_opts *o, char *pin)
{
	char err[ERR_LEN];

	for (size_t i = 0; i < x->uri->n_keys; i++) {
		x->owned[i].id_len = x->uri->keys[i].len;
		memcpy(x->owned[i].id, x->uri->keys[i].id, x->uri->keys[i].len);
	}
	x->auth = &x->key;
	x->auth_pin = x->pin;
	if (x->uri->n_keys == 0 || o->auth_device == NULL)
		return 0;
	if (seckey_open(&x->old, o->auth_device, err) < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		return -ENODEV;
	}
	x->auth = &x->old;
	x->auth_pin = NULL;
	if (seckey_wants_pin(&x->old)) {
		if (pin_read(pin, o, "the security key registered before") < 0)
			return -EINVAL;
		x->auth_pin = pin;
	}
	return 0;
}

static int write_conf(const struct enroll_opts *o, const struct proto_reply *rep,
		      const uint8_t sk[KEY_LEN])
{
	struct wgq_config c;
	char path[512], text[WGQ_TEXT_MAX], err[ERR_LEN];
	size_t len = 0;
	int r = -EINVAL;

	wgq_config_init(&c);
	/* No PersistentKeepalive here: it would make wg-quick up start a
	 * handshake before `enroll up` has set the session's PSK, and the
	 * gateway ignores a second initiation within 20 ms, so the good one
	 * would wait 5 s. enroll up sets the keepalive with the PSK. */
	c.flags = WGQ_HAS_PRIVATE_KEY | WGQ_HAS_PEER;
	snprintf(c.name, sizeof(c.name), "%s", rep->peer);
	memcpy(c.private_key, sk, KEY_LEN);
	memcpy(c.public_key, rep->gw_wg_key, KEY_LEN);
	snprintf(c.endpoint, sizeof(c.endpoint), "%s", rep->wg_endpoint);
	if (tunnel_addr_parse(c.addrs, WGQ_MAX_ADDRS, &c.n_addrs, rep->addresses) < 0 ||
	    tunnel_addr_parse(c.allowedips, WGQ_MAX_ALLOWEDIPS, &c.n_allowedips, rep->allowed_ips) <
		    0) {
		fprintf(stderr, "enroll: the gateway sent unusable addresses '%s' / '%s'\n",
			rep->addresses, rep->allowed_ips);
		goto fail;
	}
	if (wgq_format(&c, text, sizeof(text), &len, err) < 0) {
		fprintf(stderr,
			"enroll: the gateway's config does not make a wg-quick config: %s\n", err);
		goto fail;
	}
	r = state_path(path, sizeof(path), o, "conf");
	if (r == 0)
		r = outfile_write_all(path, text, len, 0600, o->replace ? OUTFILE_REPLACE : 0);
	if (r < 0)
		fprintf(stderr, "enroll: cannot write %s: %s\n", path, strerror(-r));
fail:
	sodium_memzero(text, sizeof(text));
	wgq_config_finish(&c);
	return r;
}

/* Whether the wg-quick config of o is the peer's own key pair: a new
 * security key for a machine that had one (register --replace after a
 * lost key), whose code enrolls the key and leaves the peer's key pair. */
static bool conf_is_peer(const struct enroll_opts *o, const uint8_t peer_key[KEY_LEN])
{
	uint8_t sk[KEY_LEN], pk[KEY_LEN];
	bool same = tunnel_private_key(o, sk) == 0 && key_public(pk, sk) == 0 &&
		    sodium_memcmp(pk, peer_key, KEY_LEN) == 0;

	sodium_memzero(sk, sizeof(sk));
	return same;
}

int register_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct proto_uri u;
	struct ctx x;
	struct enroll_state st;
	struct actclient_opts ao = {0};
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_reply rep;
	char pin[ENROLL_PIN_MAX + 1] = "", apin[ENROLL_PIN_MAX + 1] = "", conf[512], state[512];
	uint8_t sk[KEY_LEN];
	char err[ERR_LEN];
	int r, ret = 1;

	r = opts_parse(&o, argc, argv, 1, usage);
	if (r < 0)
		return r == -ECANCELED ? 0 : 2;
	if (o.n_args != 1) {
		fprintf(stderr, "enroll: register needs the URI 'vpnd peer add' printed\n%s",
			usage);
		return 2;
	}
	if (o.ifname == NULL)
		o.ifname = ENROLL_DEFAULT_IF;
	if (proto_uri_parse(&u, o.args[0], err) < 0) {
		fprintf(stderr, "enroll: invalid enrollment URI: %s\n", err);
		return 2;
	}
	memset(&x, 0, sizeof(x));
	x.uri = &u;
	if (state_path(conf, sizeof(conf), &o, "conf") < 0 ||
	    state_path(state, sizeof(state), &o, "keygate") < 0)
		return 2;
	if (!o.replace && (access(conf, F_OK) == 0 || access(state, F_OK) == 0)) {
		fprintf(stderr,
			"enroll: %s is already set up (%s exists); pick another "
			"--interface, or --replace it (a new key after a lost one)\n",
			o.ifname, access(conf, F_OK) == 0 ? conf : state);
		return 1;
	}
	/* wg-quick could not take the old tunnel down once its config is
	 * replaced: it goes first. */
	if (o.replace && if_nametoindex(o.ifname) != 0) {
		fprintf(stderr, "enroll: %s is up; run 'enroll down %s' first, then register\n",
			o.ifname, o.ifname);
		return 1;
	}
	if (keypick_first(&x.key, o.device, NULL, err) < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		return 1;
	}
	if (seckey_wants_pin(&x.key)) {
		if (pin_read(pin, &o, "your security key") < 0)
			goto fail;
		x.pin = pin;
	}
	if (open_auth(&x, &o, apin) < 0)
		goto fail;
	key_generate_private(sk);
	if (key_public(t.key, sk) < 0)
		goto fail;
	ao.host = u.host;
	ao.port = u.port;
	ao.timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 1000;
	ao.tries = o.tries > 0 ? o.tries : 5;
	r = actclient_run(&ao, u.gw_pub, PROTO_OP_ENROLL, &t, sk, prepare, &x, &rep, err);
	if (r == PROTO_OK && rep.status != PROTO_OK)
		r = rep.status;
	if (r != PROTO_OK) {
		enroll_refused("register", r, &rep, &x.key, err);
		goto fail;
	}
	memset(&st, 0, sizeof(st));
	snprintf(st.gateway, sizeof(st.gateway), strchr(u.host, ':') != NULL ? "[%s]:%u" : "%s:%u",
		 u.host, u.port);
	/* A URI made before a rotation: the reply tells the key of now. */
	memcpy(st.gw_key, (rep.fields & PROTO_REP_ACT_KEY) ? rep.act_key : u.gw_pub, KEY_LEN);
	snprintf(st.rp_id, sizeof(st.rp_id), "%s",
		 (rep.fields & PROTO_REP_RP_ID) ? rep.rp_id : u.rp_id);
	snprintf(st.peer, sizeof(st.peer), "%s", rep.peer);
	snprintf(st.owner, sizeof(st.owner), "%s", rep.owner);
	st.creds[0].alg = x.cred.alg;
	st.creds[0].id_len = x.cred.id_len;
	memcpy(st.creds[0].id, x.cred.id, x.cred.id_len);
	st.n_creds = 1;
	if (!(rep.fields & PROTO_REP_PEER)) {
		fprintf(stderr, "enroll: register: the gateway's answer names no peer\n");
		goto fail;
	}
	if (rep.fields & PROTO_REP_PEER_KEY) {
		/* The peer's key pair was made elsewhere (a phone): keep the
		 * credential for `enroll activate`, forget our key pair. */
		memcpy(st.peer_key, rep.peer_key, KEY_LEN);
		st.device = o.replace && access(conf, F_OK) == 0 && conf_is_peer(&o, rep.peer_key);
		if (state_save(&st, &o, o.replace) < 0)
			goto fail;
		if (st.device)
			printf("Registered your new security key for %s (owner %s); this machine's "
			       "tunnel %s stays as it was.\nStart a session with: enroll up %s\n",
			       st.peer, st.owner, conf, o.ifname);
		else
			printf("Registered your security key for %s (owner %s).\n"
			       "Activate it with: enroll activate %s\n",
			       st.peer, st.owner, st.peer);
		ret = 0;
		goto fail;
	}
	if (!(rep.fields & PROTO_REP_GW_WG_KEY) || !(rep.fields & PROTO_REP_WG_ENDPOINT) ||
	    !(rep.fields & PROTO_REP_ADDRESSES) || !(rep.fields & PROTO_REP_ALLOWED_IPS)) {
		fprintf(stderr, "enroll: register: the gateway's answer lacks the WireGuard "
				"settings\n");
		goto fail;
	}
	memcpy(st.peer_key, t.key, KEY_LEN);
	st.device = true;
	if (write_conf(&o, &rep, sk) < 0 || state_save(&st, &o, o.replace) < 0)
		goto fail;
	printf("Registered %s (owner %s) with the gateway; wrote %s.\n"
	       "Start a session with: enroll up %s\n",
	       st.peer, st.owner, conf, o.ifname);
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(pin, sizeof(pin));
	sodium_memzero(apin, sizeof(apin));
	sodium_memzero(&u, sizeof(u));
	seckey_close(&x.key);
	seckey_close(&x.old);
	return ret;
}

/* SPDX-License-Identifier: ISC */
/* enroll down [IF]: end the session at the gateway, then the tunnel here. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "enroll.h"
#include "tunnel.h"

static const char usage[] = "usage: enroll down [IF]\n"
			    "\n"
			    "Ends the session of IF (default wg0) at the gateway and brings\n"
			    "the tunnel down.\n";

int down_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct actclient_opts ao;
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_reply rep;
	char host[PROTO_ENDPOINT_MAX + 1], err[ERR_LEN];
	uint8_t sk[KEY_LEN];
	int r, ret = 0, status;

	if (enroll_tunnel_load(&o, &st, argc, argv, usage, &status) < 0)
		return status;
	if (!st.device) {
		fprintf(stderr, "enroll: %s has no tunnel on this machine\n", o.ifname);
		return 1;
	}
	if (tunnel_private_key(&o, sk) < 0 || enroll_gateway(&ao, host, sizeof(host), &st, &o) < 0)
		return 1;
	memcpy(t.key, st.peer_key, KEY_LEN);
	r = actclient_run(&ao, st.gw_key, PROTO_OP_DEACTIVATE, &t, sk, NULL, NULL, &rep, err);
	enroll_learn_key(&st, &o, r, &rep);
	if (r == PROTO_OK && rep.status != PROTO_OK)
		r = rep.status;
	/* The tunnel comes down here whatever the gateway said: that much is
	 * ours to decide. */
	if (r != PROTO_OK) {
		enroll_refused("down: ending the session at the gateway", r, &rep, NULL, err);
		ret = 1;
	}
	if (tunnel_exists(&o) && tunnel_wg_quick(&o, "down") < 0)
		ret = 1;
	st.session_end = 0;
	state_save(&st, &o, true);
	if (ret == 0)
		printf("%s is down; the session has ended.\n", o.ifname);
	sodium_memzero(sk, sizeof(sk));
	return ret;
}

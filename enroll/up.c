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

#include "activate.h"
#include "cli.h"
#include "enroll.h"
#include "tunnel.h"

static const char usage[] = "usage: enroll up [IF] [--device DEV] [--pin-fd N]\n"
			    "\n"
			    "Activates this machine's peer with the security key, sets the\n"
			    "session key on IF (by default the one keygate\n"
			    "interface on this machine) and brings the tunnel up.\n";

int up_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_reply rep;
	uint8_t sk[KEY_LEN];
	int ret = 1, status;

	if (enroll_tunnel_load(&o, &st, argc, argv, usage, "enroll up", &status) < 0)
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
	enroll_print_until(o.ifname, rep.seconds_left);
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&rep, sizeof(rep));
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * enroll up [IF]: activate first (the gateway keeps us off its interface
 * until then), then bring the tunnel up with the session's PSK, so the
 * first packet goes through at once.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "activate.h"
#include "cli.h"
#include "enroll.h"
#include "tunnel.h"
#include "tunnel_addr.h"

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
	char err[ERR_LEN];
	bool extend = false, existed;
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
	/* Inside a window, `up` extends it and must not disturb the tunnel:
	 * ask first whether the session is live (only when it may be, so a
	 * fresh start costs no extra round trip). If it ends between this
	 * question and the activation, the tunnel recovers at WireGuard's
	 * next handshake. */
	existed = tunnel_exists(&o);
	if (existed && st.session_end > (uint64_t)time(NULL) &&
	    enroll_status_query(&o, &st, sk, &rep, err) == PROTO_OK && rep.state == 1)
		extend = true;
	if (activate_run(&o, &st, &t, sk, &rep, "up", NULL) != 0)
		goto fail;
	if (!(rep.fields & PROTO_REP_PSK)) {
		fprintf(stderr, "enroll: up: the gateway sent no session key\n");
		goto fail;
	}
	/* An address the gateway gave this peer since the enrollment (its
	 * interface got an IPv6 network): into IF.conf before wg-quick reads
	 * it; a tunnel that is up takes it at its next start. */
	if ((rep.fields & PROTO_REP_ADDRESSES) && tunnel_addr_update(&o, rep.addresses) == 1 &&
	    existed)
		printf("It takes effect when %s next comes up (enroll down, enroll up).\n",
		       o.ifname);
	if (!existed && tunnel_wg_quick(&o, "up") < 0)
		goto fail;
	if (tunnel_set_psk(&o, NULL, rep.psk, extend) < 0)
		goto fail;
	st.session_end = (uint64_t)time(NULL) + rep.seconds_left;
	state_save(&st, &o, true);
	enroll_print_until(o.ifname, rep.seconds_left);
	if (extend)
		printf("The window was extended; the tunnel stayed up.\n");
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&rep, sizeof(rep));
	return ret;
}

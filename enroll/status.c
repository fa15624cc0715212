/* SPDX-License-Identifier: ISC */
/* enroll status [IF]: what the gateway says about this machine's session. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/duration.h"
#include "cli.h"
#include "enroll.h"
#include "tunnel.h"

static const char usage[] = "usage: enroll status [IF] [--peer PEER]\n"
			    "\n"
			    "Says whether the session of IF (default wg0) is active, how long\n"
			    "it has left, or why it ended. With --peer, the same for PEER,\n"
			    "another peer of the same owner (a phone).\n";

int status_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct actclient_opts ao;
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct proto_reply rep;
	char host[PROTO_ENDPOINT_MAX + 1], d[32], err[ERR_LEN];
	uint8_t sk[KEY_LEN];
	int r, status;

	if (enroll_tunnel_load(&o, &st, argc, argv, usage, &status) < 0)
		return status;
	if (!st.device) {
		printf("%s: security key registered for %s (its key pair lives elsewhere)\n",
		       o.ifname, st.peer);
		return 0;
	}
	if (tunnel_private_key(&o, sk) < 0 || enroll_gateway(&ao, host, sizeof(host), &st, &o) < 0)
		return 1;
	memcpy(t.key, st.peer_key, KEY_LEN);
	/* Another peer: this machine's key proves it is of the same owner. */
	if (o.peer != NULL) {
		t.kind = PROTO_TARGET_NAME;
		snprintf(t.name, sizeof(t.name), "%s", o.peer);
		snprintf(st.peer, sizeof(st.peer), "%s", o.peer);
	}
	r = actclient_run(&ao, st.gw_key, PROTO_OP_STATUS, &t, sk, NULL, NULL, &rep, err);
	enroll_learn_key(&st, &o, r, &rep);
	sodium_memzero(sk, sizeof(sk));
	if (r == PROTO_OK && rep.status != PROTO_OK)
		r = rep.status;
	if (r != PROTO_OK) {
		enroll_refused("status", r, &rep, NULL, err);
		return 1;
	}
	enroll_clock_note(&rep);
	if (rep.state == 1) {
		enroll_print_until(st.peer, rep.seconds_left);
		if (o.peer == NULL && !tunnel_exists(&o))
			printf("The tunnel %s is down here; 'enroll up %s' brings it up.\n",
			       o.ifname, o.ifname);
		return 0;
	}
	switch (rep.end_reason) {
	case PROTO_END_NONE:
		if (o.peer != NULL)
			printf("%s is not active: never activated. Run 'enroll activate %s'.\n",
			       st.peer, st.peer);
		else
			printf("%s is not active: never activated. Run 'enroll up %s'.\n", st.peer,
			       o.ifname);
		break;
	case PROTO_END_IDLE:
		duration_format_minutes(d, sizeof(d), rep.idle_seconds);
		printf("%s is not active: the session ended after being idle for %s.\n", st.peer,
		       d);
		break;
	default:
		printf("%s is not active: %s.\n", st.peer,
		       proto_end_reason_str(rep.end_reason) != NULL
			       ? proto_end_reason_str(rep.end_reason)
			       : "the session ended");
		break;
	}
	return 0;
}

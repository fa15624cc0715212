/* SPDX-License-Identifier: ISC */
/* enroll activate PEER: another peer of the same owner, such as a phone. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "enroll.h"
#include "tunnel.h"

static const char usage[] =
	"usage: enroll activate PEER [--device DEV] [--pin-fd N] [--interface IF]\n"
	"\n"
	"Activates PEER, another peer of your own (a phone), with your security\n"
	"key. The gateway is the one IF (default wg0) was registered with.\n";

int activate_run(const struct enroll_opts *o, const struct enroll_state *st,
		 const struct proto_target *t, const uint8_t *sk, struct proto_reply *rep,
		 const char *what);
void print_until(const char *who, uint64_t seconds_left);

int activate_main(int argc, char **argv)
{
	struct enroll_opts o;
	struct enroll_state st;
	struct proto_target t = {.kind = PROTO_TARGET_NAME};
	struct proto_reply rep;
	uint8_t sk[KEY_LEN];
	bool device = false;
	int r, ret = 1;

	r = enroll_opts_parse(&o, argc, argv, 1, usage);
	if (r != 0)
		return r == 1 ? 0 : r;
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
	print_until(t.name, rep.seconds_left);
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&rep, sizeof(rep));
	return ret;
}

/* SPDX-License-Identifier: ISC */
/* status (handle_status.h): the daemon's fields, then the activation port's
 * and the network child's. Above privsep.c, verify.c and lockout.c. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "monitor/actport.h"
#include "monitor/handle_status.h"
#include "monitor/lockout.h"
#include "monitor/privsep.h"
#include "monitor/verify.h"
#include "monitor/mailtab.h"
#include "monitor/web.h"

int handle_status(struct hctx *h)
{
	struct vpnd *d = h->d;
	struct strbuf *o = h->out;
	uint64_t next = session_next_deadline(&d->sessions);
	char addr[CONF_MAX_ADDRESSES * IPADDR_STR_LEN] = "", a[IPADDR_STR_LEN];
	key_b64_t pk;
	size_t enabled = 0;
	int ret;

	if ((ret = hctx_check(h, 1, 0, NULL)) < 0)
		return ret;
	for (int i = 0; i < d->conf.n_addresses; i++) {
		ipaddr_format(&d->conf.addresses[i], a, sizeof(a), true);
		if (i > 0)
			strcat(addr, ",");
		strcat(addr, a);
	}
	for (size_t i = 0; i < d->reg->n_peers; i++)
		enabled += !d->reg->peers[i]->disabled;
	key_to_base64(pk, d->public_key);
	ctl_add_field(o, "interface", d->conf.ifname);
	ctl_add_field(o, "public-key", pk);
	ctl_add_field(o, "address", addr);
	ctl_add_fieldf(o, "listen-port", "%u", d->conf.listen_port);
	ctl_add_fieldf(o, "endpoint", "%s:%u", d->conf.endpoint_host, d->conf.endpoint_port);
	ctl_add_fieldf(o, "activation-port", "%u", d->conf.activation_port);
	ctl_add_fieldf(o, "owners", "%zu", d->reg->n_owners);
	ctl_add_fieldf(o, "peers", "%zu", d->reg->n_peers);
	ctl_add_fieldf(o, "enabled", "%zu", enabled);
	ctl_add_fieldf(o, "sessions", "%zu", d->sessions.n);
	if (next != SESSION_NEVER) {
		char t[32];

		clock_format_utc(t, sizeof(t), clock_wall_at(next));
		ctl_add_field(o, "next-end", t);
	} else {
		ctl_add_field(o, "next-end", "-");
	}
	ctl_add_fieldf(o, "uptime", "%lld", (long long)(clock_wall() - d->started_wall));
	ctl_add_fieldf(o, "refused", "%llu", (unsigned long long)d->refused);
	ctl_add_field(o, "state-directory", d->conf.state_dir);
	ctl_add_field(o, "version", KEYGATE_VERSION);
	/* The activation port's, in the order scripts know them. */
	privsep_act_fields(d->privsep, o);
	ctl_add_fieldf(o, "act-locked-refusals", "%llu",
		       (unsigned long long)verify_locked_refusals(d->verify));
	ctl_add_fieldf(o, "act-keys-locked", "%llu",
		       (unsigned long long)lockout_count(d->lockout, clock_boot_ns() / NS_PER_SEC));
	privsep_status_fields(d->privsep, o);
	actport_status_fields(d->actport, o);
	if (d->web != NULL)
		web_status_fields(d->web, o);
	mailtab_status_fields(d->mailtab, o);
	ctl_end_line(o);
	return 0;
}

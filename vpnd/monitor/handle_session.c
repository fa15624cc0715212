/* SPDX-License-Identifier: ISC */
/* session list | kill | open (handle_session.h); above hctx.c and gate.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/duration.h"
#include "monitor/gate.h"
#include "monitor/handle_session.h"

void handle_session_fields(struct hctx *h, const struct session *s)
{
	uint64_t now = clock_boot_ns(), end = session_deadline(s);
	char t[32];

	clock_format_utc(t, sizeof(t), s->opened_wall);
	ctl_add_field(h->out, "opened", t);
	clock_format_utc(t, sizeof(t), s->until_wall);
	ctl_add_field(h->out, "until", t);
	ctl_add_fieldf(h->out, "left", "%llu",
		       (unsigned long long)(end > now ? (end - now) / NS_PER_SEC : 0));
	ctl_add_field(h->out, "ends-by",
		      s->idle_ns != 0 && s->active_ns + s->idle_ns < s->until_ns ? "idle"
										 : "window");
	ctl_add_field(h->out, "by", s->by);
}

static void session_record(struct hctx *h, const struct session *s)
{
	char a[IPADDR_STR_LEN], all[IPADDR_LIST_STR_LEN];

	/* address: the first (what scripts read before dual-stack tunnels);
	 * addresses: all of them, IPv4 first. */
	ipaddr_format(&s->addrs[0], a, sizeof(a), false);
	ipaddr_format_list(s->addrs, s->n_addrs, all, sizeof(all), false);
	ctl_add_field(h->out, "name", s->name);
	ctl_add_field(h->out, "owner", s->owner);
	ctl_add_field(h->out, "address", a);
	ctl_add_field(h->out, "addresses", all);
	handle_session_fields(h, s);
	ctl_end_line(h->out);
}

int handle_session_list(struct hctx *h)
{
	struct session **v;
	int ret;

	if ((ret = hctx_check(h, 2, 0, NULL)) < 0)
		return ret;
	if ((ret = session_sorted(&h->d->sessions, &v)) < 0)
		return hctx_err(h, ret, "out of memory");
	for (size_t i = 0; i < h->d->sessions.n; i++)
		session_record(h, v[i]);
	free(v);
	return 0;
}

int handle_session_kill(struct hctx *h)
{
	struct session *s;
	int ret;

	if ((ret = hctx_check(h, 2, 1, NULL)) < 0)
		return ret;
	s = session_find(&h->d->sessions, h->req->args[2]);
	if (s == NULL)
		return hctx_err(h, -ENOENT,
				registry_peer_find(h->d->reg, h->req->args[2]) != NULL
					? "peer '%s' has no session"
					: "no peer named '%s'",
				h->req->args[2]);
	if ((ret = gate_session_end(h->d, s, "killed", h->by)) < 0)
		return hctx_err(h, ret,
				"the session is ended, but the peer could not be removed from %s",
				h->d->conf.ifname);
	return 0;
}

int handle_session_open(struct hctx *h)
{
	struct gate_open o = {.by = h->by, .uid = h->uid};
	const char *w = ctl_request_opt(h->req, "window");
	struct reg_peer *p;
	struct session *s;
	int ret;

	if ((ret = hctx_check(h, 2, 1, "window", NULL)) < 0 || (ret = hctx_peer(h, 2, &p)) < 0)
		return ret;
	if (w != NULL && duration_parse(&o.window, w) < 0)
		return hctx_err(h, -EINVAL, "invalid window '%s': " DURATION_HINT, w);
	if ((ret = gate_session_open(h->d, p, &o, &s, h->err)) < 0)
		return ret;
	session_record(h, s);
	return 0;
}

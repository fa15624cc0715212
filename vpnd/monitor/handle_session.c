/* SPDX-License-Identifier: ISC */
/* session list | kill | open */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/duration.h"
#include "monitor/handlers.h"

static void session_record(struct hctx *h, const struct session *s)
{
	char a[IPADDR_STR_LEN];

	ipaddr_format(&s->addr, a, sizeof(a), false);
	ctl_add_field(h->out, "name", s->name);
	ctl_add_field(h->out, "owner", s->owner);
	ctl_add_field(h->out, "address", a);
	hsession_fields(h, s);
	ctl_end_line(h->out);
}

int h_session_list(struct hctx *h)
{
	struct session **v;

	if (hcheck(h, 2, 0, NULL) < 0)
		return -1;
	if (sessions_sorted(&h->d->sessions, &v) < 0)
		return herr(h, "out of memory");
	for (size_t i = 0; i < h->d->sessions.n; i++)
		session_record(h, v[i]);
	free(v);
	return 0;
}

int h_session_kill(struct hctx *h)
{
	struct session *s;

	if (hcheck(h, 2, 1, NULL) < 0)
		return -1;
	s = sessions_find(&h->d->sessions, h->req->args[2]);
	if (s == NULL)
		return herr(h,
			    registry_peer_find(h->d->reg, h->req->args[2]) != NULL
				    ? "peer '%s' has no session"
				    : "no peer named '%s'",
			    h->req->args[2]);
	if (vpnd_session_end(h->d, s, "killed", h->by) < 0)
		return herr(h, "the session is ended, but the peer could not be removed from %s",
			    h->d->conf.ifname);
	return 0;
}

int h_session_open(struct hctx *h)
{
	struct vpnd_open o = {.by = h->by, .uid = h->uid};
	const char *w = ctl_request_opt(h->req, "window");
	struct reg_peer *p;
	struct session *s;

	if (hcheck(h, 2, 1, "window", NULL) < 0 || (p = hpeer(h, 2)) == NULL)
		return -1;
	if (w != NULL && duration_parse(&o.window, w) < 0)
		return herr(h, "invalid window '%s': " DURATION_HINT, w);
	if (vpnd_session_open(h->d, p, &o, &s, h->err) < 0)
		return -1;
	session_record(h, s);
	return 0;
}

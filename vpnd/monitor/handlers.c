/* SPDX-License-Identifier: ISC */
/* Control requests: the table of what the daemon answers, and helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "base/duration.h"
#include "monitor/activation.h"
#include "monitor/handlers.h"
#include "base/log.h"

static const struct {
	const char *w1, *w2;
	int (*fn)(struct hctx *h);
} handlers[] = {
	{"peer", "add", h_peer_add},         {"peer", "list", h_peer_list},
	{"peer", "show", h_peer_show},       {"peer", "remove", h_peer_remove},
	{"peer", "disable", h_peer_disable}, {"peer", "enable", h_peer_enable},
	{"owner", "add", h_owner_add},       {"owner", "list", h_owner_list},
	{"owner", "show", h_owner_show},     {"owner", "set", h_owner_set},
	{"key", "list", h_key_list},         {"key", "revoke", h_key_revoke},
	{"key", "unlock", h_key_unlock},     {"session", "list", h_session_list},
	{"session", "kill", h_session_kill}, {"session", "open", h_session_open},
	{"status", NULL, h_status},
};

int herr(struct hctx *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return -1;
}

int hcheck(struct hctx *h, int words, int args, ...)
{
	const struct ctl_request *r = h->req;

	if (r->nargs != words + args)
		return herr(h, "'%s%s%s' takes %d argument%s", r->args[0], words > 1 ? " " : "",
			    words > 1 ? r->args[1] : "", args, args == 1 ? "" : "s");
	for (int i = 0; i < r->nopts; i++) {
		const char *o;
		va_list ap;

		va_start(ap, args);
		while ((o = va_arg(ap, const char *)) != NULL && strcmp(o, r->keys[i]) != 0)
			;
		va_end(ap);
		if (o == NULL)
			return herr(h, "unknown option '%s'", r->keys[i]);
	}
	return 0;
}

struct reg_peer *hpeer(struct hctx *h, int i)
{
	struct reg_peer *p = registry_peer_find(h->d->reg, h->req->args[i]);

	if (p == NULL)
		herr(h, "no peer named '%s'", h->req->args[i]);
	return p;
}

int hduration(struct hctx *h, const char *opt, int64_t *out, bool allow_off)
{
	const char *v = ctl_request_opt(h->req, opt);
	uint64_t s;

	if (v == NULL)
		return 0;
	if (strcmp(v, "-") == 0 || strcmp(v, "default") == 0)
		*out = REG_INHERIT;
	else if (allow_off && strcmp(v, "off") == 0)
		*out = 0;
	else if (duration_parse(&s, v) == 0)
		*out = (int64_t)s;
	else
		return herr(h, "invalid %s '%s': " DURATION_HINT "%s", opt, v,
			    allow_off ? " (or off)" : "");
	return 0;
}

int hsave(struct hctx *h)
{
	int ret = registry_save(h->d->reg);

	if (ret < 0)
		return herr(h, "the change is live but not saved: cannot write %s: %s",
			    h->d->reg->dir, strerror(-ret));
	return 0;
}

int h_status(struct hctx *h)
{
	struct vpnd *d = h->d;
	struct strbuf *o = h->out;
	uint64_t next = sessions_next_deadline(&d->sessions);
	char addr[CONF_MAX_ADDRESSES * IPADDR_STR_LEN] = "", a[IPADDR_STR_LEN];
	key_b64_t pk;
	size_t enabled = 0;

	if (hcheck(h, 1, 0, NULL) < 0)
		return -1;
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
	activation_status_fields(o);
	ctl_end_line(o);
	return 0;
}

void handle_request(struct vpnd *d, const struct ctl_request *req, uid_t uid, pid_t pid,
		    struct strbuf *reply)
{
	struct hctx h = {.d = d, .req = req, .uid = uid, .pid = pid, .out = reply};
	int ret = -1;

	snprintf(h.by, sizeof(h.by), "admin");
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].w1, req->args[0]) != 0)
			continue;
		if (handlers[i].w2 != NULL &&
		    (req->nargs < 2 || strcmp(handlers[i].w2, req->args[1]) != 0))
			continue;
		ret = handlers[i].fn(&h);
		goto done;
	}
	herr(&h, "unknown request '%s%s%s'", req->args[0], req->nargs > 1 ? " " : "",
	     req->nargs > 1 ? req->args[1] : "");
	d->refused++;
done:
	if (ret < 0) {
		strbuf_reset(reply);
		ctl_reply_error(reply, "%s", h.err);
	} else {
		ctl_reply_ok(reply);
	}
}

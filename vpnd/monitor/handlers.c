/* SPDX-License-Identifier: ISC */
/*
 * The control requests' table (handlers.h): words to handler. Below
 * control.c; above handle_*.c, one group of requests each.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor/handle_actkey.h"
#include "monitor/handle_code.h"
#include "monitor/handle_key.h"
#include "monitor/handle_owner.h"
#include "monitor/handle_peer.h"
#include "monitor/handle_session.h"
#include "monitor/handle_status.h"
#include "monitor/handlers.h"
#include "monitor/hctx.h"

static const struct {
	const char *w1, *w2;
	int (*fn)(struct hctx *h);
} handlers[] = {
	{"peer", "add", handle_peer_add},
	{"peer", "list", handle_peer_list},
	{"peer", "show", handle_peer_show},
	{"peer", "remove", handle_peer_remove},
	{"peer", "disable", handle_peer_disable},
	{"peer", "enable", handle_peer_enable},
	{"peer", "set", handle_peer_set},
	{"owner", "add", handle_owner_add},
	{"owner", "list", handle_owner_list},
	{"owner", "show", handle_owner_show},
	{"owner", "set", handle_owner_set},
	{"key", "list", handle_key_list},
	{"key", "revoke", handle_key_revoke},
	{"key", "unlock", handle_key_unlock},
	{"key", "rotate-activation", handle_actkey_rotate},
	{"code", "list", handle_code_list},
	{"code", "revoke", handle_code_revoke},
	{"code", "new", handle_code_new},
	{"session", "list", handle_session_list},
	{"session", "kill", handle_session_kill},
	{"session", "open", handle_session_open},
	{"status", NULL, handle_status},
};

void handlers_request(struct vpnd *d, const struct ctl_request *req, uid_t uid, pid_t pid,
		      struct strbuf *reply)
{
	struct hctx h = {.d = d, .req = req, .uid = uid, .pid = pid, .out = reply};
	int ret;

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
	ret = hctx_err(&h, -EINVAL, "unknown request '%s%s%s'", req->args[0],
		       req->nargs > 1 ? " " : "", req->nargs > 1 ? req->args[1] : "");
	d->refused++;
done:
	if (ret < 0) {
		strbuf_reset(reply);
		ctl_reply_error(reply, "%s", h.err);
	} else {
		ctl_reply_ok(reply);
	}
}

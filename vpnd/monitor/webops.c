/* SPDX-License-Identifier: ISC */
/* The web page's calls (webops.h). */
#include <errno.h>
#include <string.h>

#include "monitor/webact.h"
#include "monitor/webops.h"
#include "monitor/webreg.h"

int webops_answer(struct vpnd *d, const struct webmsg_req *q, struct webmsg_result *res)
{
	struct strbuf body;
	struct web_reply r = {.body = &body, .status = 500};
	int ret = 0;

	strbuf_init_max(&body, WEBMSG_BODY_MAX);
	if (!d->conf.web.enabled || d->web == NULL) {
		r.status = 404;
		strbuf_puts(&body, "{\"ok\":false,\"error\":\"not_found\"}");
	} else {
		switch (q->call) {
		case WEBMSG_CHALLENGE:
			webact_challenge(d, q, &r);
			break;
		case WEBMSG_ACTIVATE:
			webact_activate(d, q, &r);
			break;
		case WEBMSG_OPEN:
		case WEBMSG_END:
		case WEBMSG_DEVICES:
			webact_devices(d, q, &r);
			break;
		case WEBMSG_REG_CHALLENGE:
			webreg_challenge(d, q, &r);
			break;
		default:
			webreg_register(d, q, &r);
			break;
		}
	}
	res->seq = q->seq;
	if (strbuf_error(&body) < 0 || body.len == 0) {
		ret = strbuf_error(&body) == -ENOMEM ? -ENOMEM : 0;
		res->status = 500;
		strcpy(res->body, "{\"ok\":false,\"error\":\"internal\"}");
	} else {
		res->status = r.status;
		memcpy(res->body, body.buf, body.len + 1);
	}
	res->body_len = strlen(res->body);
	strbuf_finish(&body);
	return ret;
}

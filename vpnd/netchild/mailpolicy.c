/* SPDX-License-Identifier: ISC */
/* Dovecot's authentication policy server (mailpolicy.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "base/log.h"
#include "netchild/mhdpoll.h"
#include "netchild/mailpolicy.h"

struct mailpolicy {
	struct MHD_Daemon *mhd;
	const struct mailmsg_table *table;
	struct monwrap *mon;
};

struct body {
	char buf[MAILPOLICY_BODY_MAX];
	size_t len;
	bool over;
};

static int text(char *out, size_t cap, size_t *len, struct json_object *v)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	n = (size_t)json_object_get_string_len(v);
	if (n >= cap || memchr(json_object_get_string(v), '\0', n) != NULL)
		return -EBADMSG;
	memcpy(out, json_object_get_string(v), n + 1);
	if (len != NULL)
		*len = n;
	return 0;
}

int mailpolicy_parse(struct mailpolicy_req *q, const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *v;
	int ret = -EBADMSG;

	memset(q, 0, sizeof(*q));
	if (len == 0 || len > MAILPOLICY_BODY_MAX || memchr(body, '\0', len) != NULL)
		return -EBADMSG;
	tok = json_tokener_new_ex(3);
	if (tok == NULL)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))
		goto out;
	if (json_object_object_get_ex(o, "login", &v) &&
	    text(q->login, sizeof(q->login), &q->login_len, v) < 0)
		goto out;
	if (json_object_object_get_ex(o, "remote", &v) &&
	    text(q->remote, sizeof(q->remote), NULL, v) < 0)
		goto out;
	if (json_object_object_get_ex(o, "protocol", &v) &&
	    text(q->protocol, sizeof(q->protocol), NULL, v) < 0)
		goto out;
	ret = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *body)
{
	union {
		const void *c;
		void *p;
	} u = {.c = body};
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), u.p, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* What the client sees after "[ALERT]": no owner's name in it. */
static const char *refusal(enum mailmsg_verdict v)
{
	switch (v) {
	case MAILMSG_REFUSE_OTHER_OWNER:
		return "{\"status\":-1,\"msg\":\"This mailbox opens only through its owner's "
		       "tunnel (keygate)\"}";
	case MAILMSG_REFUSE_NOT_TUNNEL:
		return "{\"status\":-1,\"msg\":\"Mail logins need an open keygate session\"}";
	default:
		return "{\"status\":-1,\"msg\":\"Login refused (keygate)\"}";
	}
}

static enum MHD_Result decide(struct mailpolicy *mp, struct MHD_Connection *c, struct body *b)
{
	struct mailpolicy_req q;
	struct mailmsg_refused r = {.service = MAILMSG_DOVECOT};
	struct ipaddr remote;
	enum mailmsg_verdict v;
	const char *owner;
	size_t owner_len;

	if (b->over || mailpolicy_parse(&q, b->buf, b->len) < 0)
		return send_json(c, 400, "{\"status\":-1,\"msg\":\"bad request\"}");
	if (mailmsg_parse_addr(&remote, q.remote, strlen(q.remote)) < 0) {
		v = MAILMSG_REFUSE_BAD_ADDRESS;
		owner = NULL;
		owner_len = 0;
	} else {
		v = mailmsg_decide(mp->table, &remote, q.login, q.login_len, &owner, &owner_len);
	}
	if (v < MAILMSG_REFUSE_FIRST)
		return send_json(c, 200, "{\"status\":0,\"msg\":\"\"}");
	r.reason = (uint8_t)v;
	r.remote = remote;
	mailmsg_clean(r.login, sizeof(r.login), q.login, q.login_len);
	mailmsg_clean(r.protocol, sizeof(r.protocol), q.protocol, strlen(q.protocol));
	mailmsg_clean(r.owner, sizeof(r.owner), owner != NULL ? owner : "", owner_len);
	monwrap_mail_refused(mp->mon, &r);
	return send_json(c, 200, refusal(v));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	struct mailpolicy *mp = cls;
	struct body *b = *state;
	const char *cmd;

	(void)url;
	(void)version;
	if (strcmp(method, "POST") != 0)
		return send_json(c, 405, "{\"status\":-1,\"msg\":\"POST only\"}");
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		if (b == NULL)
			return MHD_NO;
		*state = b;
		return MHD_YES;
	}
	if (*size > 0) {
		if (*size > sizeof(b->buf) - b->len)
			b->over = true;
		else
			memcpy(b->buf + b->len, data, *size);
		if (!b->over)
			b->len += *size;
		*size = 0;
		return MHD_YES;
	}
	cmd = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "command");
	/* A report changes nothing here: the refusal was audited at allow. */
	if (cmd != NULL && strcmp(cmd, "report") == 0)
		return send_json(c, 200, "{\"status\":0,\"msg\":\"\"}");
	if (cmd == NULL || strcmp(cmd, "allow") != 0)
		return send_json(c, 400, "{\"status\":-1,\"msg\":\"unknown command\"}");
	return decide(mp, c, b);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*state);
	*state = NULL;
}

int mailpolicy_create(struct mailpolicy **out, int listen_fd, const struct mailmsg_table *table,
		      struct monwrap *mon)
{
	struct mailpolicy *mp = calloc(1, sizeof(*mp));

	*out = NULL;
	if (mp == NULL)
		return -ENOMEM;
	mp->table = table;
	mp->mon = mon;
	/* No thread flag: external select mode, run from the child's loop. */
	mp->mhd = MHD_start_daemon(MHD_USE_SUPPRESS_DATE_NO_CLOCK, 0, NULL, NULL, handle, mp,
				   MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_CONNECTION_LIMIT,
				   (unsigned)MAILPOLICY_CONNS, MHD_OPTION_CONNECTION_TIMEOUT, 60U,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (mp->mhd == NULL) {
		log_error("cannot start Dovecot's policy server");
		free(mp);
		return -EIO;
	}
	*out = mp;
	return 0;
}

void mailpolicy_destroy(struct mailpolicy **p)
{
	struct mailpolicy *mp = *p;

	if (mp == NULL)
		return;
	/* The socket is the monitor's and outlives this server. */
	MHD_quiesce_daemon(mp->mhd);
	MHD_stop_daemon(mp->mhd);
	free(mp);
	*p = NULL;
}

size_t mailpolicy_poll_fds(struct mailpolicy *mp, struct pollfd *p, size_t cap, int *timeout_ms)
{
	return mhdpoll_fds(mp->mhd, p, cap, timeout_ms);
}

void mailpolicy_run(struct mailpolicy *mp, const struct pollfd *p, size_t n)
{
	mhdpoll_run(mp->mhd, p, n);
}

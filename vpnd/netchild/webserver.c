/* SPDX-License-Identifier: ISC */
/* The web page's server in the network child (webserver.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "netchild/mhdpoll.h"
#include "netchild/ratelimit.h"
#include "netchild/webpages.h"
#include "netchild/webreq.h"
#include "netchild/webserver.h"

#define CSP                                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct webserver {
	struct MHD_Daemon *mhd;
	int listen_fd;
	struct monwrap *mon;
	struct ratelimit *rl;
	struct webmsg_conf conf; /* proxies; the PEM pointers are not kept */
	char *cert, *key;
	bool tls;
};

/* One request's body, collected across the access handler's calls. */
struct body {
	char buf[WEBREQ_BODY_MAX];
	size_t len;
	bool over;
};

static void pem_free(struct webserver *ws)
{
	if (ws->key != NULL)
		sodium_memzero(ws->key, strlen(ws->key));
	free(ws->cert);
	free(ws->key);
	ws->cert = ws->key = NULL;
}

int webserver_create(struct webserver **out, int listen_fd, struct monwrap *mon)
{
	struct webserver *ws = calloc(1, sizeof(*ws));

	*out = NULL;
	if (ws == NULL)
		return -ENOMEM;
	ws->listen_fd = listen_fd;
	ws->mon = mon;
	/* A person makes a few calls a touch; guessing is the lockout's. */
	if (ratelimit_create(&ws->rl, 1024, 60, 10) < 0) {
		free(ws);
		return -ENOMEM;
	}
	*out = ws;
	return 0;
}

static void stop(struct webserver *ws)
{
	if (ws->mhd == NULL)
		return;
	/* The socket is the monitor's gift and outlives this server. */
	MHD_quiesce_daemon(ws->mhd);
	MHD_stop_daemon(ws->mhd);
	ws->mhd = NULL;
}

void webserver_destroy(struct webserver **p)
{
	struct webserver *ws = *p;

	if (ws == NULL)
		return;
	stop(ws);
	pem_free(ws);
	ratelimit_destroy(&ws->rl);
	free(ws);
	*p = NULL;
}

static enum MHD_Result send_bytes(struct MHD_Connection *c, unsigned status, const char *type,
				  const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
	/* libmicrohttpd takes a void * it never writes through, with
	 * PERSISTENT and MUST_COPY alike. */
	union {
		const void *c;
		void *p;
	} u = {.c = data};
	struct MHD_Response *r = MHD_create_response_from_buffer(len, u.p, mode);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *body)
{
	return send_bytes(c, status, "application/json", body, strlen(body), MHD_RESPMEM_MUST_COPY);
}

/* The client: the connection's peer, or, when that is a trusted proxy,
 * the last address of X-Forwarded-For (the one the proxy added). */
static void client_addr(const struct webserver *ws, struct MHD_Connection *c, uint8_t src[18])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct ipaddr peer = {0};
	const char *xff, *last;
	char a[64];
	size_t n;

	memset(src, 0, 18);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	proto_addr_bytes(src, ci->client_addr);
	if (ci->client_addr->sa_family == AF_INET) {
		peer.family = AF_INET;
		memcpy(peer.bytes, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
		peer.prefix = 32;
	} else {
		peer.family = AF_INET6;
		memcpy(peer.bytes, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
		peer.prefix = 128;
	}
	xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (xff == NULL)
		return;
	for (uint8_t i = 0; i < ws->conf.n_proxies; i++) {
		if (!ipaddr_equal(&ws->conf.proxies[i], &peer))
			continue;
		last = strrchr(xff, ',');
		last = last != NULL ? last + 1 : xff;
		while (*last == ' ')
			last++;
		n = strcspn(last, " ");
		if (n == 0 || n >= sizeof(a))
			return;
		memcpy(a, last, n);
		a[n] = '\0';
		if (inet_pton(AF_INET6, a, &s6.sin6_addr) == 1) {
			proto_addr_bytes(src, (struct sockaddr *)&s6);
		} else {
			struct sockaddr_in s4 = {.sin_family = AF_INET};

			if (inet_pton(AF_INET, a, &s4.sin_addr) == 1)
				proto_addr_bytes(src, (struct sockaddr *)&s4);
		}
		return;
	}
}

static enum MHD_Result api(struct webserver *ws, struct MHD_Connection *c, int call, struct body *b)
{
	struct webmsg_req *q = calloc(1, sizeof(*q));
	struct webmsg_result *res = calloc(1, sizeof(*res));
	struct sockaddr_in6 key = {.sin6_family = AF_INET6};
	enum MHD_Result ret;
	int r;

	if (q == NULL || res == NULL) {
		ret = send_json(c, 500, "{\"ok\":false,\"error\":\"internal\"}");
		goto out;
	}
	q->call = (uint8_t)call;
	client_addr(ws, c, q->src);
	memcpy(&key.sin6_addr, q->src, 16);
	if (!ratelimit_allow(ws->rl, (struct sockaddr *)&key, clock_boot_ns() / 1000000)) {
		ret = send_json(c, 429, "{\"ok\":false,\"error\":\"rate_limited\"}");
		goto out;
	}
	if (b->over || webreq_parse(q, b->buf, b->len) < 0) {
		ret = send_json(c, 400, "{\"ok\":false,\"error\":\"bad_request\"}");
		goto out;
	}
	r = monwrap_web(ws->mon, q, res);
	if (r == -EPIPE || r == -EIO)
		_exit(r == -EPIPE ? 0 : 1); /* nobody to answer for */
	if (r < 0)
		ret = send_json(c, 503, "{\"ok\":false,\"error\":\"internal\"}");
	else
		ret = send_json(c, res->status, res->body);
out:
	if (q != NULL)
		sodium_memzero(q, sizeof(*q));
	free(q);
	free(res);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	struct webserver *ws = cls;
	struct body *b = *state;
	const struct webpage *page;
	int call;

	(void)version;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		page = webpages_find(url);
		if (page == NULL)
			return send_json(c, 404, "{\"ok\":false,\"error\":\"not_found\"}");
		return send_bytes(c, 200, page->type, page->data, page->len,
				  MHD_RESPMEM_PERSISTENT);
	}
	call = webreq_call(url);
	if (strcmp(method, "POST") != 0 || call == 0)
		return send_json(c, strcmp(method, "POST") != 0 ? 405 : 404,
				 "{\"ok\":false,\"error\":\"not_found\"}");
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
	return api(ws, c, call, b);
}

static void completed(void *cls, struct MHD_Connection *c, void **state,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	if (*state != NULL)
		sodium_memzero(*state, sizeof(struct body));
	free(*state);
	*state = NULL;
}

static char *pem_copy(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

int webserver_configure(struct webserver *ws, const uint8_t *msg, size_t len)
{
	struct webmsg_conf m;
	unsigned flags = MHD_USE_SUPPRESS_DATE_NO_CLOCK;

	if (webmsg_decode_conf(&m, msg, len) < 0)
		return -EBADMSG;
	stop(ws);
	pem_free(ws);
	ws->conf = m;
	ws->conf.cert = ws->conf.key = NULL;
	ws->tls = m.cert != NULL;
	if (ws->tls) {
		ws->cert = pem_copy(m.cert, m.cert_len);
		ws->key = pem_copy(m.key, m.key_len);
		if (ws->cert == NULL || ws->key == NULL)
			return -ENOMEM;
		flags |= MHD_USE_TLS;
	}
	/* No thread flag: external select mode, run from our loop. One
	 * address may hold only a few of the connections, so one client
	 * cannot keep everybody else off the page; behind a proxy every
	 * connection comes from the proxy, which must limit its clients. */
	ws->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, ws, MHD_OPTION_LISTEN_SOCKET,
				   ws->listen_fd, MHD_OPTION_CONNECTION_LIMIT,
				   (unsigned)WEBSERVER_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				   m.n_proxies > 0 ? 0U : (unsigned)WEBSERVER_CONNS_PER_IP,
				   MHD_OPTION_CONNECTION_TIMEOUT, 20U,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
				   MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				   ws->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, ws->cert,
				   MHD_OPTION_HTTPS_MEM_KEY, ws->key, MHD_OPTION_END);
	if (ws->mhd == NULL) {
		log_error("cannot start the web server%s", ws->tls ? " (certificate or key?)" : "");
		return -EIO;
	}
	return 0;
}

size_t webserver_poll_fds(struct webserver *ws, struct pollfd *p, size_t cap, int *timeout_ms)
{
	if (ws->mhd == NULL)
		return 0;
	return mhdpoll_fds(ws->mhd, p, cap, timeout_ms);
}

void webserver_run(struct webserver *ws, const struct pollfd *p, size_t n)
{
	if (ws->mhd == NULL)
		return;
	mhdpoll_run(ws->mhd, p, n);
}

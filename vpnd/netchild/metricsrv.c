/* SPDX-License-Identifier: ISC */
/* The metrics' server in the network child (metricsrv.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <microhttpd.h>

#include "base/log.h"
#include "base/strbuf.h"
#include "common/metricsmsg.h"
#include "netchild/mhdpoll.h"
#include "netchild/metricstext.h"
#include "netchild/metricsrv.h"

#define PAGE_MAX (64 * 1024)
#define TEXT     "text/plain; version=0.0.4; charset=utf-8"

struct metricsrv {
	struct MHD_Daemon *mhd;
	struct metrics_snap snap;
	bool have_snap;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body,
			      size_t len)
{
	/* libmicrohttpd takes a void * it never writes through. */
	union {
		const char *c;
		void *p;
	} u = {.c = body};
	struct MHD_Response *r = MHD_create_response_from_buffer(len, u.p, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", TEXT);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	static const char none[] = "no numbers from vpnd's monitor yet\n";
	struct metricsrv *ms = cls;
	struct strbuf page;
	enum MHD_Result ret;

	(void)version;
	(void)data;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(c, 405, "GET only\n", 9);
	/* A body with a GET is nobody's business: drop it, answer at once. */
	*size = 0;
	if (strcmp(url, "/metrics") != 0)
		return answer(c, 404, "see /metrics\n", 13);
	if (!ms->have_snap)
		return answer(c, 503, none, sizeof(none) - 1);
	strbuf_init_max(&page, PAGE_MAX);
	metricstext_render(&ms->snap, &page);
	if (strbuf_error(&page) < 0)
		ret = answer(c, 500, "out of memory\n", 14);
	else
		ret = answer(c, 200, page.buf, page.len);
	strbuf_finish(&page);
	return ret;
}

int metricsrv_create(struct metricsrv **out, int listen_fd)
{
	struct metricsrv *ms = calloc(1, sizeof(*ms));

	*out = NULL;
	if (ms == NULL)
		return -ENOMEM;
	/* No thread flag: external select mode, run from the child's loop. */
	ms->mhd =
		MHD_start_daemon(MHD_USE_SUPPRESS_DATE_NO_CLOCK, 0, NULL, NULL, handle, ms,
				 MHD_OPTION_LISTEN_SOCKET, listen_fd, MHD_OPTION_CONNECTION_LIMIT,
				 (unsigned)METRICSRV_CONNS, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
	if (ms->mhd == NULL) {
		free(ms);
		return -EIO;
	}
	*out = ms;
	return 0;
}

void metricsrv_destroy(struct metricsrv **p)
{
	struct metricsrv *ms = *p;

	if (ms == NULL)
		return;
	/* The socket is the monitor's gift and outlives this server. */
	MHD_quiesce_daemon(ms->mhd);
	MHD_stop_daemon(ms->mhd);
	free(ms);
	*p = NULL;
}

int metricsrv_update(struct metricsrv *ms, const uint8_t *msg, size_t len)
{
	struct metrics_snap s;

	if (metricsmsg_decode(&s, msg, len) < 0)
		return -EBADMSG;
	ms->snap = s;
	ms->have_snap = true;
	return 0;
}

size_t metricsrv_poll_fds(struct metricsrv *ms, struct pollfd *p, size_t cap, int *timeout_ms)
{
	return mhdpoll_fds(ms->mhd, p, cap, timeout_ms);
}

void metricsrv_run(struct metricsrv *ms, const struct pollfd *p, size_t n)
{
	mhdpoll_run(ms->mhd, p, n);
}

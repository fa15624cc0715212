/* SPDX-License-Identifier: ISC */
/*
 * The web page's calls, as the network child forwards them (WEB_REQ,
 * common/webmsg.h): one answer per call, a JSON body and its HTTP status
 * (docs/web.md). Below dispatch.c; above webact.c and webreg.c.
 */
#ifndef VPND_WEBOPS_H
#define VPND_WEBOPS_H

#include "common/webmsg.h"
#include "monitor/daemon.h"

/* Fills res (status and body) for the request; 0, or -ENOMEM. A request
 * with the page off gets a 404. */
int webops_answer(struct vpnd *d, const struct webmsg_req *q, struct webmsg_result *res);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The activate and status pages' calls (docs/web.md), checked as if the
 * child lied: a challenge bound to the owner and the origin; an assertion
 * verified as the UDP port verifies one (verify.c's cached verifier,
 * assertion.c, lockout.c, the counter) over SHA-256 of a clientDataJSON
 * checked here; then a grant, bound to the owner, with which the page may
 * open and end that owner's phones for WEB_GRANT_LIFE seconds. A name
 * that is no owner gets a challenge and credential IDs as an owner does.
 * Below webops.c; above web.c, verify.c, gate.c.
 */
#ifndef VPND_WEBACT_H
#define VPND_WEBACT_H

#include "common/webmsg.h"
#include "monitor/daemon.h"
#include "monitor/web.h"

int webact_challenge(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r);
int webact_activate(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r);
/* OPEN, END and DEVICES: a grant and the owner's devices. */
int webact_devices(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r);

#endif

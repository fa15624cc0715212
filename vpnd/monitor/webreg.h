/* SPDX-License-Identifier: ISC */
/*
 * The register page's calls (docs/web.md): a challenge bound to the
 * enrollment code and the origin, then navigator.credentials.create's
 * answer: clientDataJSON and the attestationObject checked (webauthn.c),
 * and only then the code redeemed and the owner's new credential stored,
 * as `enroll register` stores one. Below webops.c; above web.c.
 */
#ifndef VPND_WEBREG_H
#define VPND_WEBREG_H

#include "common/webmsg.h"
#include "monitor/daemon.h"
#include "monitor/web.h"

int webreg_challenge(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r);
int webreg_register(struct vpnd *d, const struct webmsg_req *q, struct web_reply *r);

#endif

/* SPDX-License-Identifier: ISC */
/* The control requests: what the daemon answers on its control socket. */
#ifndef VPND_HANDLERS_H
#define VPND_HANDLERS_H

#include <sys/types.h>

#include "base/strbuf.h"
#include "gateway/ctl.h"
#include "monitor/daemon.h"

/* One request in (from uid, pid), the whole reply out: "ok" and records,
 * or one error line. */
void handlers_request(struct vpnd *d, const struct ctl_request *req, uid_t uid, pid_t pid,
		      struct strbuf *reply);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * key rotate-activation [grace=D] (handle_actkey.h); above hctx.c,
 * actport.c (the key file, the audit line) and privsep.c (the child that
 * holds the keys starts again with the new ones).
 */
#include <errno.h>
#include <string.h>

#include "base/duration.h"
#include "monitor/actport.h"
#include "monitor/handle_actkey.h"
#include "monitor/privsep.h"
#include "state/actkey.h"

int handle_actkey_rotate(struct hctx *h)
{
	const char *g = ctl_request_opt(h->req, "grace");
	uint64_t grace = ACTKEY_GRACE;
	char err[ERR_LEN];
	int ret;

	if ((ret = hctx_check(h, 2, 0, "grace", NULL)) < 0)
		return ret;
	/* 0: the old key is refused at once, for a key that leaked. */
	if (g != NULL && strcmp(g, "0") == 0)
		grace = 0;
	else if (g != NULL && duration_parse(&grace, g) < 0)
		return hctx_err(h, -EINVAL, "invalid grace '%s': " DURATION_HINT " (or 0)", g);
	ret = actport_rotate(h->d->actport, grace, h->by, err);
	if (ret < 0)
		return hctx_err(h, ret, "the activation key was not changed: %s", err);
	/* The child holds the keys: a fresh one takes the new set. Its
	 * clients in the middle of an exchange start again. */
	privsep_restart(h->d->privsep, "rekey");
	actport_status_fields(h->d->actport, h->out);
	ctl_end_line(h->out);
	return 0;
}

/* SPDX-License-Identifier: ISC */
/* status: what the running gateway is doing. */
#ifndef VPND_HANDLE_STATUS_H
#define VPND_HANDLE_STATUS_H

#include "monitor/hctx.h"

int handle_status(struct hctx *h);

#endif

/* SPDX-License-Identifier: ISC */
/* key rotate-activation: a new activation key (docs/protocol.md 3.2). */
#ifndef VPND_HANDLE_ACTKEY_H
#define VPND_HANDLE_ACTKEY_H

#include "monitor/hctx.h"

int handle_actkey_rotate(struct hctx *h);

#endif

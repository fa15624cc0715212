/* SPDX-License-Identifier: ISC */
/* owner add | list | show | set */
#ifndef VPND_HANDLE_OWNER_H
#define VPND_HANDLE_OWNER_H

#include "monitor/hctx.h"

int handle_owner_add(struct hctx *h);
int handle_owner_list(struct hctx *h);
int handle_owner_show(struct hctx *h);
int handle_owner_set(struct hctx *h);

#endif

/* SPDX-License-Identifier: ISC */
/* key list | revoke | unlock: the owners' security keys. */
#ifndef VPND_HANDLE_KEY_H
#define VPND_HANDLE_KEY_H

#include "monitor/hctx.h"

int handle_key_list(struct hctx *h);
int handle_key_revoke(struct hctx *h);
int handle_key_unlock(struct hctx *h);

#endif

/* SPDX-License-Identifier: ISC */
/* code list | revoke | new: the pending one-time enrollment codes. */
#ifndef VPND_HANDLE_CODE_H
#define VPND_HANDLE_CODE_H

#include "monitor/hctx.h"

int handle_code_list(struct hctx *h);
int handle_code_revoke(struct hctx *h);
int handle_code_new(struct hctx *h);

#endif

/* SPDX-License-Identifier: ISC */
/* session list | kill | open */
#ifndef VPND_HANDLE_SESSION_H
#define VPND_HANDLE_SESSION_H

#include "monitor/hctx.h"

int handle_session_list(struct hctx *h);
int handle_session_kill(struct hctx *h);
int handle_session_open(struct hctx *h);
/* A session's fields of a record (session list, peer list and show). */
void handle_session_fields(struct hctx *h, const struct session *s);

#endif

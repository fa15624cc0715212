/* SPDX-License-Identifier: ISC */
/* peer add | list | show | remove | disable | enable */
#ifndef VPND_HANDLE_PEER_H
#define VPND_HANDLE_PEER_H

#include "monitor/hctx.h"

int handle_peer_add(struct hctx *h);
int handle_peer_list(struct hctx *h);
int handle_peer_show(struct hctx *h);
int handle_peer_remove(struct hctx *h);
int handle_peer_disable(struct hctx *h);
int handle_peer_enable(struct hctx *h);
/* peer set NAME [window=D|default] [idle=D|off|default] [keepalive=N|default] */
int handle_peer_set(struct hctx *h);

#endif

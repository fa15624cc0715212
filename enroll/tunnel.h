/* SPDX-License-Identifier: ISC */
/* The local interface: see tunnel.c. Each prints its own one-line errors. */
#ifndef KEYGATE_ENROLL_TUNNEL_H
#define KEYGATE_ENROLL_TUNNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "base/key.h"
#include "opts.h"

int tunnel_private_key(const struct enroll_opts *o, uint8_t sk[KEY_LEN]);
bool tunnel_exists(const struct enroll_opts *o);
/* wg-quick VERB DIR/IF.conf */
int tunnel_wg_quick(const struct enroll_opts *o, const char *verb);
/* The PSK on the gateway's peer (NULL: the only peer), re-added so the
 * handshake starts at once. */
int tunnel_set_psk(const struct enroll_opts *o, const uint8_t gw_wg_key[KEY_LEN],
		   const uint8_t psk[KEY_LEN]);

#endif

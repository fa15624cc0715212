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
/*
 * The PSK on the gateway's peer (NULL: the only peer). A fresh session
 * re-adds the peer so the handshake starts at once; an extension
 * (extend: the gateway's session was live before this activation) sets
 * it in place when the tunnel's keys are live, so nothing in flight
 * waits for a new handshake: the new PSK takes effect at the next rekey.
 */
int tunnel_set_psk(const struct enroll_opts *o, const uint8_t gw_wg_key[KEY_LEN],
		   const uint8_t psk[KEY_LEN], bool extend);

#endif

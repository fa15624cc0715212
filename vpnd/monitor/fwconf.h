/* SPDX-License-Identifier: ISC */
/*
 * The firewall's configuration from vpnd.conf: the interface, [Firewall]
 * MailPorts, and the tunnel networks of [Interface] Address. vpnd run and
 * vpnd check build it the same way, so check compares the table with what
 * vpnd installs.
 */
#ifndef VPND_FWCONF_H
#define VPND_FWCONF_H

#include "base/text.h"
#include "gateway/conf.h"
#include "monitor/firewall.h"

int fwconf_init(struct firewall_config *cfg, const struct conf *c, char err[ERR_LEN]);

#endif

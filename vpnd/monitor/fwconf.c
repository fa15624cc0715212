/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <string.h>

#include "monitor/fwconf.h"

int fwconf_init(struct firewall_config *cfg, const struct conf *c, char err[ERR_LEN])
{
	int ret = firewall_config_init(cfg, c->ifname, err);

	if (ret < 0)
		return ret;
	if (c->n_fw_ports > FIREWALL_MAX_PORTS || c->n_addresses > FIREWALL_MAX_NETS) {
		text_err(err, "%s: more mail ports or addresses than the firewall takes", c->path);
		return -EINVAL;
	}
	memcpy(cfg->mail_ports, c->fw_ports, (size_t)c->n_fw_ports * sizeof(c->fw_ports[0]));
	cfg->n_mail_ports = c->n_fw_ports;
	/* Each interface address with its prefix is a tunnel network. */
	memcpy(cfg->nets, c->addresses, (size_t)c->n_addresses * sizeof(c->addresses[0]));
	cfg->n_nets = c->n_addresses;
	return 0;
}

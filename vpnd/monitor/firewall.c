/* SPDX-License-Identifier: ISC */
/*
 * The firewall's handle and the table as a whole: install, remove. The
 * sessions' elements are firewall_session.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "monitor/firewall.h"
#include "monitor/firewall_build.h"

static const uint16_t default_ports[] = {110, 143, 465, 587, 993, 995};

int firewall_error(char err[ERR_LEN], int ret, const char *what)
{
	switch (ret) {
	case -EPERM:
		text_err(err, "nftables: %s: not permitted (needs CAP_NET_ADMIN)", what);
		break;
	case -EOPNOTSUPP:
	case -EPROTONOSUPPORT:
		text_err(err, "nftables: %s: the kernel has no nf_tables", what);
		break;
	case -ENOENT:
		text_err(err,
			 "nftables: %s: table inet " FIREWALL_TABLE " is missing or incomplete",
			 what);
		break;
	case -ENFILE:
		text_err(err, "nftables: %s: an idle set is full (the kernel caps it at 65535)",
			 what);
		break;
	case -E2BIG:
		text_err(err, "nftables: %s: too many distinct idle timeouts in the table", what);
		break;
	case -ETIMEDOUT:
		text_err(err, "nftables: %s: no answer from the kernel within %d s", what,
			 FIREWALL_NL_TIMEOUT_S);
		break;
	case -EBADMSG:
	case -EPROTO:
		text_err(err, "nftables: %s: malformed or unexpected netlink reply", what);
		break;
	default:
		text_err(err, "nftables: %s: %s", what, strerror(-ret));
		break;
	}
	return ret;
}

int firewall_config_init(struct firewall_config *cfg, const char *ifname, char err[ERR_LEN])
{
	memset(cfg, 0, sizeof(*cfg));
	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ ||
	    strpbrk(ifname, "/ \t\n") != NULL) {
		text_err(err, "invalid tunnel interface name '%s'", ifname != NULL ? ifname : "");
		return -EINVAL;
	}
	strcpy(cfg->ifname, ifname);
	cfg->n_mail_ports = (int)(sizeof(default_ports) / sizeof(default_ports[0]));
	memcpy(cfg->mail_ports, default_ports, sizeof(default_ports));
	return 0;
}

static int config_check(const struct firewall_config *cfg, char err[ERR_LEN])
{
	if (cfg->ifname[0] == '\0' || strnlen(cfg->ifname, IFNAMSIZ) >= IFNAMSIZ) {
		text_err(err, "firewall: no tunnel interface name");
		return -EINVAL;
	}
	if (cfg->n_mail_ports < 0 || cfg->n_mail_ports > FIREWALL_MAX_PORTS || cfg->n_nets < 0 ||
	    cfg->n_nets > FIREWALL_MAX_NETS) {
		text_err(err, "firewall: too many mail ports or tunnel networks");
		return -EINVAL;
	}
	for (int i = 0; i < cfg->n_mail_ports; i++) {
		for (int j = 0; j < i; j++) {
			if (cfg->mail_ports[i] == cfg->mail_ports[j] || cfg->mail_ports[i] == 0) {
				text_err(err, "firewall: mail port %u is 0 or given twice",
					 cfg->mail_ports[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int firewall_create(struct firewall **out, const struct firewall_config *cfg, char err[ERR_LEN])
{
	struct firewall *fw;
	int ret;

	*out = NULL;
	ret = config_check(cfg, err);
	if (ret < 0)
		return ret;
	fw = calloc(1, sizeof(*fw));
	if (fw == NULL)
		return firewall_error(err, -ENOMEM, "creating the firewall");
	fw->cfg = *cfg;
	ret = firewall_nl_open(&fw->nl);
	if (ret < 0) {
		free(fw);
		return firewall_error(err, ret, "opening a netfilter netlink socket");
	}
	*out = fw;
	return 0;
}

void firewall_destroy(struct firewall **fw)
{
	if (fw == NULL || *fw == NULL)
		return;
	firewall_nl_close(&(*fw)->nl);
	free(*fw);
	*fw = NULL;
}

/* Builds with build(), commits, and says what failed. */
static int transact(struct firewall *fw, int (*build)(struct firewall_batch *b, const void *arg),
		    const void *arg, const char *what, char err[ERR_LEN])
{
	struct firewall_batch b;
	int ret;

	ret = firewall_nl_batch_init(&fw->nl, &b);
	if (ret == 0)
		ret = build(&b, arg);
	if (ret == 0)
		ret = firewall_nl_batch_commit(&fw->nl, &b, NULL);
	firewall_nl_batch_finish(&b);
	return ret < 0 ? firewall_error(err, ret, what) : 0;
}

static int build_table(struct firewall_batch *b, const void *cfg)
{
	return firewall_build_table(b, cfg);
}

static int build_remove(struct firewall_batch *b, const void *unused)
{
	return firewall_build_remove(b);
}

int firewall_install(struct firewall *fw, char err[ERR_LEN])
{
	return transact(fw, build_table, &fw->cfg, "installing table inet " FIREWALL_TABLE, err);
}

int firewall_remove(struct firewall *fw, char err[ERR_LEN])
{
	return transact(fw, build_remove, NULL, "removing table inet " FIREWALL_TABLE, err);
}

int firewall_generation(struct firewall *fw, uint32_t *gen)
{
	char buf[NLMSG_HDRLEN + sizeof(struct nfgenmsg) + 16];
	struct firewall_nl_gen g = {0};
	struct nlmsghdr *nlh;
	int ret;

	memset(buf, 0, sizeof(buf));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, 0, 0);
	ret = firewall_nl_query(&fw->nl, nlh, NFT_MSG_NEWGEN, firewall_nl_gen_msg, &g);
	if (ret < 0)
		return ret;
	if (!g.found)
		return -EPROTO;
	*gen = g.id;
	return 0;
}

/* SPDX-License-Identifier: ISC */
/*
 * vpnd.conf: INI in the style of wg-quick (see vpnd.conf(5)). Keys are
 * case-insensitive, '#' starts a comment, every error names file, line and
 * value.
 */
#ifndef KEYGATE_CONF_H
#define KEYGATE_CONF_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/key.h"
#include "base/text.h"
#include "gateway/metricsconf.h"
#include "gateway/mailconf.h"
#include "gateway/storeconf.h"
#include "gateway/webconf.h"

#define CONF_MAX_ADDRESSES           8
#define CONF_MAX_MAIL_PORTS          16
#define CONF_DEFAULT_STATE_DIR       "/var/lib/vpnd"
#define CONF_DEFAULT_SOCKET_DIR      "/run/vpnd"
#define CONF_DEFAULT_LISTEN_PORT     51820
#define CONF_DEFAULT_ACTIVATION_PORT 51821
#define CONF_DEFAULT_WINDOW          (10 * 3600)
#define CONF_DEFAULT_IDLE            (30 * 60)
#define CONF_DEFAULT_ACTIVATION_RATE 200
#define CONF_MAX_ACTIVATION_RATE     1000000
#define CONF_MAX_SIZE                (64 * 1024)
#define CONF_DEFAULT_CHILD_USER      "keygate"
#define CONF_CHILD_USER_MAX          32 /* useradd's longest name */

struct conf {
	char path[PATH_MAX];
	/* [Interface] */
	char ifname[IFNAMSIZ];
	struct ipaddr addresses[CONF_MAX_ADDRESSES];
	int n_addresses;
	uint16_t listen_port;
	bool has_private_key; /* PrivateKey given inline */
	uint8_t private_key[KEY_LEN];
	char private_key_file[PATH_MAX];
	char endpoint_host[256];
	uint16_t endpoint_port;
	uint16_t activation_port;
	/* More ports than IMAP/POP3 that `vpnd check` wants on the tunnel only. */
	uint16_t mail_ports[CONF_MAX_MAIL_PORTS];
	int n_mail_ports;
	/* [Firewall]: the ports of vpnd's nftables wall (default 110, 143, 465,
	 * 587, 993, 995), and whether vpnd refuses to run without the wall. */
	uint16_t fw_ports[CONF_MAX_MAIL_PORTS];
	int n_fw_ports;
	bool fw_enforce;
	/* [Sessions]: seconds; idle 0 is off */
	uint64_t window;
	uint64_t idle;
	/* [Daemon] */
	char state_dir[PATH_MAX];
	char control_socket[PATH_MAX];
	char audit_log[PATH_MAX]; /* empty: audit lines go to stderr only */
	/* The network child's user (docs/privsep.md); NSS looks it up at start. */
	char child_user[CONF_CHILD_USER_MAX + 1];
	/* [Web]: web.enabled when the section is there */
	struct webconf web;
	/* [Metrics]: metrics.enabled when the section is there */
	struct metricsconf metrics;
	/* [Mail]: mail.enabled when the section is there (docs/mail.md) */
	struct mailconf mail;
	/* [Store]: files (the state directory) or a shared PostgreSQL */
	struct storeconf store;
	/* Activation requests a second the gateway decrypts, from all
	 * sources together (twice that in a burst). */
	uint32_t activation_rate;
};

/* Parses a whole file's text; name is what messages call the file. On
 * failure err holds one line and the return is -EINVAL. */
int conf_parse(struct conf *c, const char *text, size_t len, const char *name, char err[ERR_LEN]);
/* Reads and parses path; a missing or unreadable file is an error too. */
int conf_load(struct conf *c, const char *path, char err[ERR_LEN]);
/* The gateway's private key, inline or from PrivateKeyFile; 0 or -errno
 * with err naming the key file and what is wrong with it. */
int conf_private_key(const struct conf *c, uint8_t key[KEY_LEN], char err[ERR_LEN]);
/* Wipes the key. */
void conf_finish(struct conf *c);

#endif

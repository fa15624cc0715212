/* SPDX-License-Identifier: ISC */
/*
 * vpnd check: exit 1 and name every IMAP/POP3 listener (and every port the
 * conf adds) that is reachable on a non-tunnel address, with the setting
 * that fixes it; and, with a conf, every difference between vpnd's
 * nftables table and what vpnd installs (monitor/firewall_check.h). Reads
 * the kernel directly, so it works whether or not the daemon runs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/check.h"
#include "admin/dovecheck.h"
#include "gateway/conf.h"
#include "config.h"
#include "admin/exposure.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "monitor/firewall_check.h"
#include "monitor/fwconf.h"

#define CHECK_MAX_TUNNEL 16

struct check_opts {
	struct exposure_addr tunnel[CHECK_MAX_TUNNEL];
	size_t ntunnel;
	uint16_t ports[EXPOSURE_MAX_PORTS];
	size_t nports;
	int json, procfs;
	bool have_fw; /* a conf was read: its table is checked too */
	bool fw_enforce;
	struct firewall_config fw;
};

/* The table's findings: each line one problem. */
struct check_fw {
	bool checked;
	int n;
	char line[FIREWALL_REPORT_LINES + 1][FIREWALL_REPORT_LEN + ERR_LEN];
	char dovecot[ERR_LEN]; /* a warning about Dovecot's policy settings, or "" */
};

static void check_usage(FILE *f)
{
	fprintf(f,
		"Usage: vpnd check [-c CONF] [--address CIDR]... [--port N]... [--json]\n"
		"  Exits 1 naming every IMAP/POP3 listener (143, 993, 110, 995 and the\n"
		"  conf's MailPorts) reachable on an address other than the tunnel's,\n"
		"  and, with a conf, every difference of table inet keygate from what\n"
		"  vpnd installs (root: reading nftables needs CAP_NET_ADMIN).\n"
		"  -c CONF          read [Interface] Address and MailPorts, [Firewall]\n"
		"                   (default %s)\n"
		"  --address CIDR   a tunnel address (repeatable; replaces the conf's)\n"
		"  --port N         one more mail port (repeatable)\n"
		"  --json           machine-readable output\n"
		"  --procfs         read /proc/net/tcp{,6} instead of sock_diag\n",
		VPND_DEFAULT_CONF);
}

/* "10.77.0.1/24, fd77::1/64" */
static int add_addresses(struct check_opts *o, const char *list, const char *where)
{
	char buf[512], *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		log_error("address list too long at %s", where);
		return -EINVAL;
	}
	strcpy(buf, list);
	for (char *t = strtok_r(buf, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		if (o->ntunnel == CHECK_MAX_TUNNEL) {
			log_error("too many tunnel addresses at %s", where);
			return -E2BIG;
		}
		if (exposure_addr_parse(t, &o->tunnel[o->ntunnel]) < 0) {
			log_error("invalid address '%s' at %s: expected an IP address or CIDR", t,
				  where);
			return -EINVAL;
		}
		o->ntunnel++;
	}
	return 0;
}

static int add_ports(struct check_opts *o, const char *list, const char *where)
{
	char buf[512], *save = NULL;

	if (strlen(list) >= sizeof(buf)) {
		log_error("port list too long at %s", where);
		return -EINVAL;
	}
	strcpy(buf, list);
	for (char *t = strtok_r(buf, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		char *end;
		unsigned long p;

		errno = 0;
		p = strtoul(t, &end, 10);
		if (errno != 0 || *end != '\0' || t[0] < '0' || t[0] > '9' || p == 0 || p > 65535) {
			log_error("invalid port '%s' at %s: expected 1 to 65535", t, where);
			return -EINVAL;
		}
		if (o->nports == EXPOSURE_MAX_PORTS) {
			log_error("too many ports at %s", where);
			return -E2BIG;
		}
		o->ports[o->nports++] = (uint16_t)p;
	}
	return 0;
}

/* [Interface] Address and MailPorts, [Firewall] of vpnd.conf. */
static int read_conf(struct check_opts *o, const char *path, int want_addr)
{
	char err[ERR_LEN];
	struct conf c;
	int ret = conf_load(&c, path, err);

	if (ret < 0) {
		log_error("%s", err);
		return ret;
	}
	if (fwconf_init(&o->fw, &c, err) < 0) {
		log_error("%s", err);
		conf_finish(&c);
		return -EINVAL;
	}
	o->have_fw = true;
	o->fw_enforce = c.fw_enforce;
	/* The wall's ports should not listen outside the tunnel either. */
	for (int i = 0; i < c.n_fw_ports && o->nports < EXPOSURE_MAX_PORTS; i++)
		o->ports[o->nports++] = c.fw_ports[i];
	for (int i = 0; want_addr && i < c.n_addresses && o->ntunnel < CHECK_MAX_TUNNEL; i++) {
		struct exposure_addr *t = &o->tunnel[o->ntunnel++];

		memset(t, 0, sizeof(*t));
		t->family = c.addresses[i].family;
		memcpy(t->addr, c.addresses[i].bytes, sizeof(t->addr));
	}
	for (int i = 0; i < c.n_mail_ports && o->nports < EXPOSURE_MAX_PORTS; i++)
		o->ports[o->nports++] = c.mail_ports[i];
	conf_finish(&c);
	return 0;
}

static void fw_note(struct check_fw *f, const char *what)
{
	if (f->n <= FIREWALL_REPORT_LINES)
		snprintf(f->line[f->n], sizeof(f->line[f->n]), "%s", what);
	f->n++;
}

/* Table inet keygate against what vpnd installs for this conf. */
static void check_firewall(const struct check_opts *o, struct check_fw *f)
{
	struct firewall *fw = NULL;
	struct firewall_report r;
	char err[ERR_LEN], line[FIREWALL_REPORT_LEN + 64];
	int n;

	memset(f, 0, sizeof(*f));
	if (!o->have_fw)
		return;
	f->checked = true;
	if (!o->fw_enforce)
		fw_note(f, "[Firewall] Enforce = no: vpnd may run without its kernel wall "
			   "(unsafe); set Enforce = yes");
	n = firewall_create(&fw, &o->fw, err);
	if (n == 0)
		n = firewall_check(fw, &r, err);
	firewall_destroy(&fw);
	if (n < 0) {
		fw_note(f, err);
		return;
	}
	for (int i = 0; i < r.n && i < FIREWALL_REPORT_LINES; i++) {
		snprintf(line, sizeof(line), "%s%s", r.line[i],
			 i == 0 ? " (vpnd restores it within a second while it runs)" : "");
		fw_note(f, line);
	}
	if (r.n > FIREWALL_REPORT_LINES)
		fw_note(f, "table inet " FIREWALL_TABLE ": more differences");
}

static int report_json(const struct check_opts *o, const struct exposure_list *bad, size_t nmail,
		       const struct check_fw *f)
{
	char line[512], ep[64];
	struct strbuf sb;
	int ret = 0;

	strbuf_init(&sb);
	strbuf_printf(&sb,
		      "{\"ok\": %s, \"mail_listeners\": %zu, \"firewall\": {\"checked\": %s, "
		      "\"ok\": %s, \"problems\": [",
		      bad->count == 0 && f->n == 0 ? "true" : "false", nmail,
		      f->checked ? "true" : "false", f->n == 0 ? "true" : "false");
	for (int i = 0; i < f->n && i <= FIREWALL_REPORT_LINES; i++) {
		strbuf_puts(&sb, i == 0 ? "" : ", ");
		strbuf_json_ascii(&sb, f->line[i]);
	}
	strbuf_puts(&sb, "]}, \"exposed\": [");
	for (size_t i = 0; i < bad->count; i++) {
		exposure_format_endpoint(&bad->items[i], ep, sizeof(ep));
		exposure_describe(&bad->items[i], o->tunnel, o->ntunnel, line, sizeof(line));
		strbuf_printf(&sb, "%s{\"listen\": ", i == 0 ? "" : ", ");
		strbuf_json_ascii(&sb, ep);
		strbuf_printf(&sb, ", \"port\": %u, \"process\": ", bad->items[i].port);
		strbuf_json_ascii(&sb, bad->items[i].proc);
		strbuf_puts(&sb, ", \"fix\": ");
		strbuf_json_ascii(&sb, line);
		strbuf_puts(&sb, "}");
	}
	strbuf_puts(&sb, "], \"dovecot_warning\": ");
	if (f->dovecot[0] != '\0')
		strbuf_json_ascii(&sb, f->dovecot);
	else
		strbuf_puts(&sb, "null");
	strbuf_puts(&sb, "}\n");
	if (sb.failed)
		ret = -ENOMEM;
	else
		fputs(sb.buf, stdout);
	strbuf_finish(&sb);
	return ret;
}

static int report(const struct check_opts *o, const struct exposure_list *bad, size_t nmail,
		  const struct check_fw *f)
{
	char line[512];

	if (o->json)
		return report_json(o, bad, nmail, f);
	for (size_t i = 0; i < bad->count; i++) {
		exposure_describe(&bad->items[i], o->tunnel, o->ntunnel, line, sizeof(line));
		printf("%s\n", line);
	}
	if (bad->count == 0)
		printf("ok: %zu mail listener%s, none reachable outside the tunnel\n", nmail,
		       nmail == 1 ? "" : "s");
	for (int i = 0; i < f->n && i <= FIREWALL_REPORT_LINES; i++)
		printf("firewall: %s\n", f->line[i]);
	if (f->checked && f->n == 0)
		printf("ok: table inet " FIREWALL_TABLE " is as vpnd installs it\n");
	if (f->dovecot[0] != '\0')
		printf("warning: %s\n", f->dovecot);
	return 0;
}

/* 0 to go on, or -ECANCELED when the command is over (after --help or a
 * message): *status is then its exit status. */
static int parse_args(struct check_opts *o, int argc, char **argv, int *status)
{
	static const struct option longopts[] = {
		{"conf", required_argument, NULL, 'c'},
		{"address", required_argument, NULL, 'a'},
		{"port", required_argument, NULL, 'p'},
		{"json", no_argument, NULL, 'j'},
		{"procfs", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *conf = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'a':
			if (add_addresses(o, optarg, "--address") < 0)
				goto usage;
			break;
		case 'p':
			if (add_ports(o, optarg, "--port") < 0)
				goto usage;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'P':
			o->procfs = 1;
			break;
		case 'h':
			check_usage(stdout);
			*status = 0;
			return -ECANCELED;
		default:
			check_usage(stderr);
			goto usage;
		}
	}
	if (optind != argc) {
		log_error("check: unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	/* --address alone needs no conf; with -c the conf still adds MailPorts. */
	if (o->ntunnel == 0 || conf != NULL) {
		if (read_conf(o, conf != NULL ? conf : VPND_DEFAULT_CONF, o->ntunnel == 0) < 0) {
			*status = 1;
			return -ECANCELED;
		}
	}
	return 0;
usage:
	*status = 2;
	return -ECANCELED;
}

int check_main(int argc, char **argv)
{
	struct exposure_list all = {0}, bad = {0};
	struct check_opts o = {0};
	struct check_fw f;
	size_t nmail = 0;
	int ret, status;

	if (parse_args(&o, argc, argv, &status) < 0)
		return status;
	ret = o.procfs ? exposure_read_procnet(&all, "/proc/net/tcp", "/proc/net/tcp6")
		       : exposure_read(&all);
	if (ret < 0) {
		log_error("cannot read the listening sockets: %s", strerror(-ret));
		goto fail;
	}
	for (size_t i = 0; i < all.count; i++)
		if (exposure_classify(&all.items[i], o.tunnel, o.ntunnel, o.ports, o.nports) !=
		    EXPOSURE_NOT_MAIL)
			nmail++;
	ret = exposure_find(&all, o.tunnel, o.ntunnel, o.ports, o.nports, &bad);
	if (ret < 0) {
		log_error("check: %s", strerror(-ret));
		goto fail;
	}
	exposure_name_owners(&bad, "/proc");
	check_firewall(&o, &f);
	f.dovecot[0] = '\0';
	if (dovecheck_run(f.dovecot) == 1)
		log_warn("%s", f.dovecot);
	ret = report(&o, &bad, nmail, &f);
	if (ret < 0) {
		log_error("check: %s", strerror(-ret));
		goto fail;
	}
	fflush(stdout);
	if (bad.count > 0)
		log_error("%zu mail listener%s reachable outside the tunnel", bad.count,
			  bad.count == 1 ? "" : "s");
	if (f.n > 0)
		log_error("the kernel wall (table inet " FIREWALL_TABLE ") is not as it must be");
	ret = bad.count > 0 || f.n > 0 ? 1 : 0;
fail:
	exposure_list_finish(&all);
	exposure_list_finish(&bad);
	return ret < 0 ? 1 : ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * The admin commands: each is a row of a table that says its words, its
 * arguments, its options and how its reply is shown. Options may stand
 * anywhere after the command words (GNU getopt permutes). The daemon is
 * reached through the control socket named in CONF.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin/out.h"
#include "admin/admin.h"
#include "admin/bulk.h"
#include "gateway/conf.h"
#include "config.h"
#include "gateway/ctl.h"
#include "base/key.h"

enum out { OUT_NONE, OUT_TABLE, OUT_SHOW, OUT_URI };

/* An option: its CLI name, and the request field it fills (flags fill
 * a fixed value). */
struct opt {
	const char *name;
	const char *field;
	const char *flag_value; /* NULL: takes an argument */
};

struct cmd {
	const char *w1, *w2;
	int min_args, max_args;
	const char *args_usage;
	const struct opt *opts;
	enum out out;
	const char *const *cols;
	const char *help;
};

static const struct opt peer_add_opts[] = {
	{"owner", "owner", NULL},
	{"address", "address", NULL},
	{"window", "window", NULL},
	{"idle", "idle", NULL},
	{"keepalive", "keepalive", NULL},
	{"public-key", "public-key", NULL},
	{"mobile", "kind", "mobile"},
	{"psk-file", "psk", NULL}, /* the file's key goes in the request */
	{"existing-owner", "existing-owner", "yes"},
	{"no-enroll", "enroll", "no"},
	{"new-key", "new-key", "yes"},
	{0},
};
static const struct opt owner_set_opts[] = {
	{"require-uv", "require-uv", NULL},
	{"window", "window", NULL},
	{"idle", "idle", NULL},
	{"mail-login", "mail-login", NULL},
	{0},
};
static const struct opt peer_set_opts[] = {
	{"window", "window", NULL},
	{"idle", "idle", NULL},
	{"keepalive", "keepalive", NULL},
	{0},
};
static const struct opt window_opts[] = {{"window", "window", NULL}, {0}};
static const struct opt cascade_opts[] = {{"cascade", "cascade", "yes"}, {0}};
static const struct opt owner_opts[] = {{"owner", "owner", NULL}, {0}};
static const struct opt new_key_opts[] = {{"new-key", "new-key", "yes"}, {0}};
static const struct opt grace_opts[] = {{"grace", "grace", NULL}, {0}};
static const struct opt no_opts[] = {{0}};

static const char *const peer_cols[] = {"name",  "owner",   "kind", "address",
					"state", "session", "left", NULL};
static const char *const owner_cols[] = {"name",  "require-uv", "window", "idle",
					 "peers", "keys",       NULL};
static const char *const key_cols[] = {"owner", "id",          "alg",    "counter",   "state",
				       "added", "locked-left", "by-key", "by-device", NULL};
static const char *const revoke_cols[] = {"owner", "id", "cascade-of", NULL};
static const char *const code_cols[] = {"peer",    "owner", "kind",    "enrolls",
					"new-key", "state", "expires", NULL};
static const char *const session_cols[] = {"name", "owner",   "address", "until",
					   "left", "ends-by", "by",      NULL};

static const struct cmd cmds[] = {
	{"peer", "add", 1, 1,
	 "NAME --owner USER [--address IP[,IP6]] [--window D] [--idle D|off] [--keepalive N] "
	 "[--public-key KEY] [--mobile [--psk-file FILE]] [--existing-owner] "
	 "[--no-enroll | --new-key] [--sheet DIR] | --from FILE [--sheet DIR]",
	 peer_add_opts, OUT_URI, NULL,
	 "adds a disabled peer; prints its one-time enrollment URI (none for a --public-key peer "
	 "of an owner with keys); --new-key: the code enrolls a key without one of the owner's "
	 "(key recovery, audited); --from FILE: one peer a CSV line (name,owner,kind), all or "
	 "none; --sheet DIR: a printable page per peer (DIR/NAME.svg) with the link and its QR "
	 "code (with --sheet only --owner and --mobile apply)"},
	{"peer", "list", 0, 0, "", no_opts, OUT_TABLE, peer_cols, "lists peers"},
	{"peer", "show", 1, 1, "NAME", no_opts, OUT_SHOW, NULL, "shows a peer"},
	{"peer", "remove", 1, 1, "NAME", no_opts, OUT_NONE, NULL,
	 "ends its session and forgets the peer"},
	{"peer", "disable", 1, 1, "NAME", no_opts, OUT_NONE, NULL,
	 "ends its session and refuses new ones"},
	{"peer", "enable", 1, 1, "NAME", no_opts, OUT_NONE, NULL, "allows sessions again"},
	{"peer", "set", 1, 1,
	 "NAME [--window D|default] [--idle D|off|default] [--keepalive N|default]", peer_set_opts,
	 OUT_NONE, NULL,
	 "sets a peer's window, idle timeout and the gateway's keepalive (seconds, 0 off) for "
	 "new sessions; default: the owner's, then the kind's (mobile: idle off, keepalive 25)"},
	{"owner", "add", 1, 1, "USER", no_opts, OUT_NONE, NULL, "adds an owner"},
	{"owner", "list", 0, 0, "", no_opts, OUT_TABLE, owner_cols, "lists owners"},
	{"owner", "show", 1, 1, "USER", no_opts, OUT_SHOW, NULL, "shows an owner"},
	{"owner", "set", 1, 1,
	 "USER [--require-uv yes|no] [--window D|default] "
	 "[--idle D|off|default] [--mail-login LOGIN[,LOGIN...]|-]",
	 owner_set_opts, OUT_NONE, NULL,
	 "sets an owner's policy for new sessions, and its mail logins (at once)"},
	{"key", "list", 0, 1, "[USER]", no_opts, OUT_TABLE, key_cols,
	 "lists security keys, with the key and the device that added each (--json: whole IDs)"},
	{"key", "revoke", 2, 2, "USER KEYID [--cascade]", cascade_opts, OUT_TABLE, revoke_cols,
	 "revokes a security key (with --cascade also every key added under it); sessions "
	 "they opened end. KEYID: any unique prefix of at least 8 hex digits"},
	{"key", "unlock", 2, 2, "USER KEYID", no_opts, OUT_NONE, NULL,
	 "ends the lockout of a key after repeated failed attempts"},
	{"key", "rotate-activation", 0, 0, "[--grace D|0]", grace_opts, OUT_SHOW, NULL,
	 "makes a new activation key; the old one is accepted for D more (7d)"},
	{"code", "list", 0, 0, "[--owner USER]", owner_opts, OUT_TABLE, code_cols,
	 "lists pending enrollment codes: peer, owner, what they enroll, expiry (never the code)"},
	{"code", "revoke", 1, 1, "PEER", no_opts, OUT_NONE, NULL,
	 "voids the peer's enrollment codes"},
	{"code", "new", 1, 1, "PEER [--new-key]", new_key_opts, OUT_URI, NULL,
	 "a fresh code for an existing peer, replacing its old ones; prints the URI"},
	{"session", "list", 0, 0, "", no_opts, OUT_TABLE, session_cols, "lists live sessions"},
	{"session", "kill", 1, 1, "NAME", no_opts, OUT_NONE, NULL, "ends a session at once"},
	{"session", "open", 1, 1, "NAME [--window D]", window_opts, OUT_SHOW, NULL,
	 "opens a session without a security key (audited)"},
	{"status", NULL, 0, 0, "", no_opts, OUT_SHOW, NULL, "what the running gateway is doing"},
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: vpnd %s%s%s %s%s[-c CONF] [--json]\n", c->w1, c->w2 != NULL ? " " : "",
		c->w2 != NULL ? c->w2 : "", c->args_usage, c->args_usage[0] != '\0' ? " " : "");
	fprintf(f, "  %s\n", c->help);
}

static void admin_usage(FILE *f, const char *group)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].w1, group) == 0)
			cmd_usage(f, &cmds[i]);
	fprintf(f, "CONF defaults to %s. D is a number with s, m, h or d.\n", VPND_DEFAULT_CONF);
}

/* Reads a key file given with --psk-file into base64 for the request. */
static int psk_from_file(const char *path, key_b64_t out, char err[ERR_LEN])
{
	uint8_t k[KEY_LEN];
	int ret = key_file_read(k, path, err);

	if (ret == 0)
		key_to_base64(out, k);
	sodium_memzero(k, sizeof(k));
	return ret;
}

static void show(const struct cmd *c, const struct ctl_reply *r, int json)
{
	if (json) {
		out_json(stdout, r, c->out == OUT_TABLE);
		return;
	}
	switch (c->out) {
	case OUT_TABLE:
		out_table(stdout, r, c->cols);
		break;
	case OUT_SHOW:
		out_show(stdout, r);
		break;
	case OUT_URI: {
		const char *uri = r->nrec > 0 ? ctl_record_get(&r->recs[0], "uri") : NULL;
		const char *web = r->nrec > 0 ? ctl_record_get(&r->recs[0], "web-uri") : NULL;
		const char *note = r->nrec > 0 ? ctl_record_get(&r->recs[0], "note") : NULL;

		if (uri != NULL)
			printf("%s\n", uri);
		else if (note != NULL)
			fprintf(stderr, "vpnd: %s\n", note);
		/* With [Web]: the phone's link for the register page. */
		if (web != NULL)
			printf("%s\n", web);
		break;
	}
	case OUT_NONE:
		break;
	}
}

static int run_cmd(const struct cmd *c, int argc, char **argv)
{
	struct option lopts[16] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
	};
	const char *conf_path = VPND_DEFAULT_CONF, *vals[16] = {0};
	struct ctl_reply reply = {0};
	struct strbuf req;
	struct conf conf;
	char err[ERR_LEN];
	key_b64_t psk = "";
	int n = 3, json = 0, opt, ret = 1, nargs;

	for (const struct opt *o = c->opts; o->name != NULL; o++, n++)
		lopts[n] = (struct option){o->name,
					   o->flag_value != NULL ? no_argument : required_argument,
					   NULL, 256 + n};
	optind = 0;
	while ((opt = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
		if (opt == 'c') {
			conf_path = optarg;
		} else if (opt == 'j') {
			json = 1;
		} else if (opt == 'h') {
			cmd_usage(stdout, c);
			return 0;
		} else if (opt >= 256 + 3 && opt < 256 + n) {
			const struct opt *o = &c->opts[opt - 256 - 3];

			vals[opt - 256] = o->flag_value != NULL ? o->flag_value : optarg;
		} else {
			cmd_usage(stderr, c);
			return 2;
		}
	}
	nargs = argc - optind;
	if (nargs < c->min_args || nargs > c->max_args) {
		fprintf(stderr, "vpnd %s%s%s: expected %s\n", c->w1, c->w2 != NULL ? " " : "",
			c->w2 != NULL ? c->w2 : "",
			c->args_usage[0] != '\0' ? c->args_usage : "no arguments");
		return 2;
	}
	if (conf_load(&conf, conf_path, err) < 0) {
		fprintf(stderr, "vpnd: %s\n", err);
		return 1;
	}
	strbuf_init(&req);
	ctl_add_word(&req, c->w1);
	if (c->w2 != NULL)
		ctl_add_word(&req, c->w2);
	for (int i = optind; i < argc; i++) {
		if (strchr(argv[i], '=') != NULL || !text_is_token(argv[i], 256)) {
			fprintf(stderr, "vpnd: invalid argument '%s'\n", argv[i]);
			goto out;
		}
		ctl_add_word(&req, argv[i]);
	}
	for (int i = 3; i < n; i++) {
		const struct opt *o = &c->opts[i - 3];

		if (vals[i] == NULL)
			continue;
		if (strcmp(o->name, "psk-file") == 0) {
			if (psk_from_file(vals[i], psk, err) < 0) {
				fprintf(stderr, "vpnd: %s\n", err);
				goto out;
			}
			ctl_add_field(&req, o->field, psk);
		} else {
			ctl_add_field(&req, o->field, vals[i]);
		}
	}
	ctl_end_line(&req);
	if (req.failed || ctl_call(conf.control_socket, req.buf, &reply, err) < 0) {
		fprintf(stderr, "vpnd: %s\n", req.failed ? "out of memory" : err);
		goto out;
	}
	if (reply.error != NULL) {
		fprintf(stderr, "vpnd: %s\n", reply.error);
		goto out;
	}
	show(c, &reply, json);
	ret = 0;
out:
	sodium_memzero(psk, sizeof(psk));
	ctl_reply_finish(&reply);
	strbuf_finish(&req);
	conf_finish(&conf);
	return ret;
}

int admin_main(int argc, char **argv)
{
	const char *w1 = argv[0], *w2 = argc > 1 ? argv[1] : NULL;
	/* getopt names its errors after argv[0]: "vpnd peer add: ...". */
	static char prog[64];

	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].w1, w1) != 0)
			continue;
		if (cmds[i].w2 == NULL) {
			snprintf(prog, sizeof(prog), "vpnd %s", cmds[i].w1);
			argv[0] = prog;
			return run_cmd(&cmds[i], argc, argv);
		}
		if (w2 != NULL && strcmp(cmds[i].w2, w2) == 0) {
			snprintf(prog, sizeof(prog), "vpnd %s %s", cmds[i].w1, cmds[i].w2);
			argv[1] = prog;
			if (strcmp(w1, "peer") == 0 && strcmp(w2, "add") == 0 &&
			    bulk_wanted(argc - 1, argv + 1))
				return bulk_main(argc - 1, argv + 1);
			return run_cmd(&cmds[i], argc - 1, argv + 1);
		}
	}
	if (w2 != NULL && (strcmp(w2, "--help") == 0 || strcmp(w2, "-h") == 0)) {
		admin_usage(stdout, w1);
		return 0;
	}
	if (w2 != NULL)
		fprintf(stderr, "vpnd %s: unknown subcommand '%s'\n", w1, w2);
	admin_usage(stderr, w1);
	return 2;
}

/* SPDX-License-Identifier: ISC */
/* vpnd init: a first vpnd.conf and the gateway's key. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "admin/init.h"
#include "gateway/conf.h"
#include "gateway/endpoint.h"
#include "config.h"
#include "base/duration.h"
#include "base/strbuf.h"
#include "state/actkey.h"
#include "wg/wgipc.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vpnd init -c CONF --interface IF --address CIDR[,CIDR6] --endpoint "
		"HOST:PORT\n"
		"                 [--listen-port N] [--activation-port N] [--window D] [--idle "
		"D|off]\n"
		"                 [--state-dir DIR] [--control-socket PATH] [--force] [--adopt]\n"
		"Writes CONF, the gateway key (IF.key beside CONF, mode 0600) and the\n"
		"activation key (activation.key in the state directory, mode 0600), and\n"
		"prints the gateway's public key. Existing keys are kept; an existing CONF\n"
		"only with --force. vpnd owns IF: it removes every peer without a session,\n"
		"so an existing IF that has peers or another key is refused (use a name of\n"
		"its own, as kg0) unless --adopt says to take it over.\n");
}

/* The usage errors print themselves and return -EINVAL; init_main exits 2. */
static int bad(const char *what, const char *v, const char *hint)
{
	fprintf(stderr, "vpnd init: invalid %s '%s': %s\n", what, v, hint);
	return -EINVAL;
}

struct init_opts {
	const char *conf, *ifname, *address, *endpoint, *listen, *activation, *window, *idle;
	const char *state_dir, *socket;
	int force, adopt;
};

/* CONF's text into sb, and its state directory; 0, or -EINVAL after a
 * message when vpnd run could not read it back. */
static int make_conf(const struct init_opts *o, const char *keyfile, struct strbuf *sb,
		     char state_dir[PATH_MAX])
{
	char err[ERR_LEN];
	struct conf check;

	strbuf_printf(sb,
		      "# vpnd.conf(5), written by vpnd init\n[Interface]\nName = %s\n"
		      "Address = %s\nListenPort = %s\nPrivateKeyFile = %s\nEndpoint = %s\n"
		      "ActivationPort = %s\n\n[Sessions]\nWindow = %s\nIdle = %s\n",
		      o->ifname, o->address, o->listen, keyfile, o->endpoint, o->activation,
		      o->window, o->idle);
	if (o->state_dir != NULL || o->socket != NULL) {
		strbuf_puts(sb, "\n[Daemon]\n");
		if (o->state_dir != NULL)
			strbuf_printf(sb, "StateDirectory = %s\n", o->state_dir);
		if (o->socket != NULL)
			strbuf_printf(sb, "ControlSocket = %s\n", o->socket);
	}
	/* What we write must be what vpnd run reads. */
	if (sb->failed || conf_parse(&check, sb->buf, sb->len, o->conf, err) < 0) {
		fprintf(stderr, "vpnd init: %s\n", sb->failed ? "out of memory" : err);
		return -EINVAL;
	}
	snprintf(state_dir, PATH_MAX, "%s", check.state_dir);
	conf_finish(&check);
	return 0;
}

/*
 * The activation key (docs/protocol.md 3), its own since protocol version
 * 2. A state directory that holds a registry but no key belongs to a
 * gateway of version 1, whose clients know the key derived from the
 * WireGuard key: vpnd run migrates it (actport.h), so it is left alone.
 */
static int make_activation_key(const char *state_dir)
{
	char path[PATH_MAX + 32], err[ERR_LEN];
	struct actkey k;
	int ret;

	if ((ret = atomicfile_mkdirs(state_dir, 0700)) < 0) {
		fprintf(stderr, "vpnd init: cannot make %s: %s\n", state_dir, strerror(-ret));
		return ret;
	}
	if (actkey_path(path, sizeof(path), state_dir) < 0)
		return -ENAMETOOLONG;
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "vpnd init: keeping the existing activation key %s\n", path);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/peers", state_dir);
	if (access(path, F_OK) == 0) {
		fprintf(stderr,
			"vpnd init: %s has a registry but no activation key; vpnd run "
			"will make one and keep accepting the old one for a while\n",
			state_dir);
		return 0;
	}
	actkey_path(path, sizeof(path), state_dir);
	actkey_generate(&k);
	ret = actkey_save(&k, path, false, err);
	actkey_wipe(&k);
	if (ret < 0)
		fprintf(stderr, "vpnd init: %s\n", err);
	return ret;
}

/*
 * vpnd removes from its interface every peer that has no session, so an
 * interface that carries something else (an admin VPN on wg0, say) would
 * lose it at the first `vpnd run`. Refused, unless the admin said --adopt,
 * when it has peers or a private key other than ours (pk; NULL when we
 * have none yet). A new interface (wireguard-go just started) has neither.
 * 0, or -EEXIST after a message.
 */
static int check_iface(const struct init_opts *o, const uint8_t *pk)
{
	struct wg_device *dev = NULL;
	char err[ERR_LEN];
	char why[64] = "";
	unsigned npeers = 0;

	if (o->adopt || if_nametoindex(o->ifname) == 0)
		return 0;
	if (wgipc_get_device(&dev, o->ifname, err) < 0) {
		fprintf(stderr,
			"vpnd init: %s exists and cannot be read (%s); vpnd would remove its "
			"peers: choose a name of its own (--interface kg0), or --adopt\n",
			o->ifname, err);
		return -EEXIST;
	}
	for (const struct wg_peer *p = dev->peers; p != NULL; p = p->next)
		npeers++;
	if (npeers > 0)
		snprintf(why, sizeof(why), "has %u peer%s", npeers, npeers == 1 ? "" : "s");
	else if ((dev->flags & WGDEV_HAS_PRIVATE_KEY) &&
		 (pk == NULL || sodium_memcmp(dev->public_key, pk, KEY_LEN) != 0))
		snprintf(why, sizeof(why), "has a private key that is not this gateway's");
	wg_device_free(&dev);
	if (why[0] == '\0')
		return 0;
	fprintf(stderr,
		"vpnd init: %s exists and %s; vpnd removes every peer without a "
		"session and sets its own key. Choose an interface of its own "
		"(--interface kg0), or take %s over with --adopt\n",
		o->ifname, why, o->ifname);
	return -EEXIST;
}

/* "10.77.0.1/24" or, for a dual-stack tunnel, "10.77.0.1/24,fd77::1/64":
 * at most one network per family, since a peer gets one address from each
 * (the first of a family would be the only one used). */
static int address_list_check(const char *v)
{
	struct ipaddr a;
	char item[IPADDR_STR_LEN];
	unsigned seen = 0;

	for (;;) {
		size_t len = strcspn(v, ",");
		unsigned bit;

		if (len == 0 || len >= sizeof(item))
			return -EINVAL;
		memcpy(item, v, len);
		item[len] = '\0';
		if (ipaddr_parse(&a, item, true) < 0)
			return -EINVAL;
		bit = a.family == AF_INET ? 1U : 2U;
		if (seen & bit)
			return -EINVAL;
		seen |= bit;
		if (v[len] == '\0')
			return 0;
		v += len + 1;
	}
}

/* 0, or -EINVAL after a message: the options are not usable. */
static int check_opts(struct init_opts *o)
{
	char host[256];
	uint16_t port;
	uint64_t s;

	if (o->ifname == NULL || o->address == NULL || o->endpoint == NULL) {
		fprintf(stderr, "vpnd init: --interface, --address and --endpoint are required\n");
		return -EINVAL;
	}
	if (strlen(o->ifname) >= 16 || !text_is_token(o->ifname, 15) || strchr(o->ifname, '/'))
		return bad("interface", o->ifname, "at most 15 characters, no '/'");
	if (address_list_check(o->address) < 0)
		return bad("address", o->address,
			   "expected ADDRESS/PREFIX, as 10.77.0.1/24, or one of each family, as "
			   "10.77.0.1/24,fd77::1/64");
	if (endpoint_parse(o->endpoint, host, sizeof(host), &port) < 0)
		return bad("endpoint", o->endpoint, "expected HOST:PORT");
	if (endpoint_parse(o->listen, host, sizeof(host), &port) == 0 ||
	    strtoul(o->listen, NULL, 10) == 0 || strtoul(o->listen, NULL, 10) > 65535 ||
	    strspn(o->listen, "0123456789") != strlen(o->listen))
		return bad("listen port", o->listen, "expected 1 to 65535");
	if (strtoul(o->activation, NULL, 10) == 0 || strtoul(o->activation, NULL, 10) > 65535 ||
	    strspn(o->activation, "0123456789") != strlen(o->activation))
		return bad("activation port", o->activation, "expected 1 to 65535");
	if (duration_parse(&s, o->window) < 0)
		return bad("window", o->window, DURATION_HINT);
	if (strcmp(o->idle, "off") != 0 && duration_parse(&s, o->idle) < 0)
		return bad("idle", o->idle, DURATION_HINT " (or off)");
	return 0;
}

int init_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"interface", required_argument, NULL, 'i'},
		{"address", required_argument, NULL, 'a'},
		{"endpoint", required_argument, NULL, 'e'},
		{"listen-port", required_argument, NULL, 'l'},
		{"activation-port", required_argument, NULL, 'p'},
		{"window", required_argument, NULL, 'w'},
		{"idle", required_argument, NULL, 'I'},
		{"state-dir", required_argument, NULL, 's'},
		{"control-socket", required_argument, NULL, 'S'},
		{"force", no_argument, NULL, 'f'},
		{"adopt", no_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct init_opts o = {.conf = VPND_DEFAULT_CONF,
			      .listen = "51820",
			      .activation = "51821",
			      .window = "10h",
			      .idle = "30m"};
	char dir[PATH_MAX], keyfile[PATH_MAX + 32], err[ERR_LEN], state_dir[PATH_MAX];
	uint8_t sk[KEY_LEN], pk[KEY_LEN];
	struct strbuf text;
	key_b64_t b64;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.conf = optarg;
			break;
		case 'i':
			o.ifname = optarg;
			break;
		case 'a':
			o.address = optarg;
			break;
		case 'e':
			o.endpoint = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 'p':
			o.activation = optarg;
			break;
		case 'w':
			o.window = optarg;
			break;
		case 'I':
			o.idle = optarg;
			break;
		case 's':
			o.state_dir = optarg;
			break;
		case 'S':
			o.socket = optarg;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'A':
			o.adopt = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "vpnd init: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (check_opts(&o) < 0)
		return 2;
	if (!o.force && access(o.conf, F_OK) == 0) {
		fprintf(stderr, "vpnd init: %s exists; use --force to replace it\n", o.conf);
		return 1;
	}
	{
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s", o.conf);
		snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	}
	snprintf(keyfile, sizeof(keyfile), "%s/%s.key", dir, o.ifname);
	if (dir[0] != '/') {
		fprintf(stderr, "vpnd init: give CONF as an absolute path, not '%s'\n", o.conf);
		return 2;
	}
	if ((ret = atomicfile_mkdirs(dir, 0755)) < 0) {
		fprintf(stderr, "vpnd init: cannot make %s: %s\n", dir, strerror(-ret));
		return 1;
	}
	if (access(keyfile, F_OK) == 0) {
		if (key_file_read(sk, keyfile, err) < 0) {
			fprintf(stderr, "vpnd: %s\n", err);
			return 1;
		}
		if (key_public(pk, sk) < 0) {
			sodium_memzero(sk, sizeof(sk));
			fprintf(stderr, "vpnd init: the key in %s is not usable\n", keyfile);
			return 1;
		}
		if (check_iface(&o, pk) < 0) {
			sodium_memzero(sk, sizeof(sk));
			return 1;
		}
		fprintf(stderr, "vpnd init: keeping the existing key %s\n", keyfile);
	} else {
		if (check_iface(&o, NULL) < 0)
			return 1;
		key_generate_private(sk);
		ret = key_file_write(keyfile, sk, err);
		if (ret < 0) {
			sodium_memzero(sk, sizeof(sk));
			fprintf(stderr, "vpnd: %s\n", err);
			return 1;
		}
	}
	ret = key_public(pk, sk);
	sodium_memzero(sk, sizeof(sk));
	if (ret < 0) {
		fprintf(stderr, "vpnd init: the key in %s is not usable\n", keyfile);
		return 1;
	}
	strbuf_init(&text);
	if (make_conf(&o, keyfile, &text, state_dir) < 0) {
		strbuf_finish(&text);
		return 2;
	}
	if (make_activation_key(state_dir) < 0) {
		strbuf_finish(&text);
		return 1;
	}
	ret = atomicfile_write(o.conf, text.buf, text.len, 0600);
	strbuf_finish(&text);
	if (ret < 0) {
		fprintf(stderr, "vpnd init: cannot write %s: %s\n", o.conf, strerror(-ret));
		return 1;
	}
	key_to_base64(b64, pk);
	printf("%s\n", b64);
	return 0;
}

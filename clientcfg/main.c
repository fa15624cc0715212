/* SPDX-License-Identifier: ISC */
/*
 * clientcfg: a key pair and a wg-quick config for a new phone peer. The
 * private key is made here and exists only in the output; vpnd learns the
 * public key (and the pre-shared key) and keeps the peer disabled until
 * its owner activates it.
 *
 * Order matters for "nothing half done": everything that can be checked
 * is checked before vpnd hears of the peer; after registering, any failure
 * removes the peer again.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "gateway.h"
#include "output.h"
#include "qr.h"
#include "render.h"
#include "base/key.h"
#include "base/log.h"
#include "base/outfile.h"
#include "base/text.h"
#include "wg/wgq.h"

struct opts {
	const char *conf;
	const char *name;
	const char *owner;
	const char *output; /* NULL or "-": stdout */
	bool has_format;
	enum output_format format;
	bool force;
	bool full_tunnel;
	/* What the user asked for, checked; the config is built from it. */
	struct wgq_config want;
};

static const char usage_text[] =
	"usage: clientcfg [-c CONF] NAME --owner USER [--address IP]\n"
	"                 [--format conf|qr|png|svg] [-o FILE] [--force]\n"
	"                 [--dns LIST] [--keepalive N] [--mtu N]\n"
	"                 [--full-tunnel | --allowed-ips LIST] [--endpoint HOST:PORT]\n"
	"\n"
	"Makes a key pair for the new phone peer NAME of USER, registers it with\n"
	"the running vpnd (disabled until USER activates it) and writes its\n"
	"wg-quick config: as text, as a QR code for the terminal, or as a PNG or\n"
	"SVG image for the WireGuard app. Without -o the output goes to stdout:\n"
	"a QR code on a terminal, else the text. -c is --config, -o --output;\n"
	"-h, --help prints this, --version the version. See clientcfg(1).\n";

static const char name_rule[] = "expected 1..32 letters, digits, '.', '_', '-', '@' or '+', "
				"starting with a letter or digit";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/* The usage errors print themselves and return -EINVAL; main exits 2. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "clientcfg: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'clientcfg --help'.\n");
	return -EINVAL;
}

/* Splits a comma list and hands each trimmed item to add; 0 or -EINVAL. */
static int each_item(const char *list, const char *opt, struct wgq_config *c,
		     int (*add)(struct wgq_config *c, const char *item))
{
	char item[WGQ_HOST_MAX + 1];
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");
		const char *start = p;

		while (n > 0 && (*start == ' ' || *start == '\t')) {
			start++;
			n--;
		}
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(item))
			return usage_error("invalid list '%s': empty or overlong item", list);
		memcpy(item, start, n);
		item[n] = '\0';
		if (add(c, item) < 0) {
			fprintf(stderr, "clientcfg: invalid %s entry '%s'\n", opt, item);
			return -EINVAL;
		}
		p += strcspn(p, ",");
		if (*p == '\0')
			return 0;
		p++;
	}
}

static int add_dns(struct wgq_config *c, const char *item)
{
	struct wgq_prefix ip;

	if (c->n_dns >= WGQ_MAX_DNS)
		return -E2BIG;
	if (wgq_prefix_parse(&ip, item) < 0 || strchr(item, '/') != NULL) {
		if (!wgq_hostname_valid(item))
			return -EINVAL;
	}
	strcpy(c->dns[c->n_dns++], item);
	return 0;
}

static int add_allowed(struct wgq_config *c, const char *item)
{
	if (c->n_allowedips >= WGQ_MAX_ALLOWEDIPS)
		return -E2BIG;
	if (wgq_prefix_parse(&c->allowedips[c->n_allowedips], item) < 0)
		return -EINVAL;
	c->n_allowedips++;
	return 0;
}

static int parse_number(const char *s, const char *opt, unsigned min, uint16_t *out)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > 65535) {
		fprintf(stderr, "clientcfg: invalid %s '%s': expected a number %u..65535\n", opt, s,
			min);
		return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

static int parse_address(struct opts *o, const char *s)
{
	struct wgq_prefix *a = &o->want.addrs[0];

	if (wgq_prefix_parse(a, s) < 0 || a->cidr != (a->family == AF_INET ? 32 : 128))
		return usage_error("invalid --address '%s': expected one IP address", s);
	o->want.n_addrs = 1;
	return 0;
}

/* 0, or -EINVAL after a usage message. */
static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"owner", required_argument, NULL, 'u'},
		{"address", required_argument, NULL, 'a'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'F'},
		{"dns", required_argument, NULL, 'd'},
		{"keepalive", required_argument, NULL, 'k'},
		{"mtu", required_argument, NULL, 'm'},
		{"full-tunnel", no_argument, NULL, 'T'},
		{"allowed-ips", required_argument, NULL, 'A'},
		{"endpoint", required_argument, NULL, 'e'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int ch, ret = 0;

	o->conf = VPND_DEFAULT_CONF;
	while (ret == 0 && (ch = getopt_long(argc, argv, "c:o:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'u':
			o->owner = optarg;
			break;
		case 'a':
			ret = parse_address(o, optarg);
			break;
		case 'f':
			if (output_format_parse(optarg, &o->format) < 0)
				return usage_error(
					"invalid --format '%s': expected conf, qr, png or svg",
					optarg);
			o->has_format = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'F':
			o->force = true;
			break;
		case 'd':
			ret = each_item(optarg, "--dns", &o->want, add_dns);
			break;
		case 'k':
			ret = parse_number(optarg, "--keepalive", 0, &o->want.keepalive);
			if (ret == 0 && o->want.keepalive > 0)
				o->want.flags |= WGQ_HAS_KEEPALIVE;
			break;
		case 'm':
			ret = parse_number(optarg, "--mtu", 576, &o->want.mtu);
			o->want.flags |= WGQ_HAS_MTU;
			break;
		case 'T':
			o->full_tunnel = true;
			break;
		case 'A':
			ret = each_item(optarg, "--allowed-ips", &o->want, add_allowed);
			break;
		case 'e':
			if (!wgq_endpoint_valid(optarg))
				return usage_error("invalid --endpoint '%s': expected HOST:PORT or "
						   "[IPv6]:PORT",
						   optarg);
			strcpy(o->want.endpoint, optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("clientcfg %s\n", KEYGATE_VERSION);
			exit(0);
		default:
			fprintf(stderr, "Try 'clientcfg --help'.\n");
			return -EINVAL;
		}
	}
	if (ret != 0)
		return ret;
	if (optind >= argc)
		return usage_error("%s", "no peer NAME given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	o->name = argv[optind];
	/* vpnd's rule, so that a name clientcfg takes is one vpnd takes. */
	if (!text_valid_name(o->name))
		return usage_error("invalid peer name '%s': %s", o->name, name_rule);
	if (o->owner == NULL)
		return usage_error("%s", "--owner USER is required");
	if (!text_valid_name(o->owner))
		return usage_error("invalid owner '%s': %s", o->owner, name_rule);
	if (o->full_tunnel && o->want.n_allowedips > 0)
		return usage_error("%s", "--full-tunnel and --allowed-ips exclude each other");
	return 0;
}

static bool is_stdout(const struct opts *o)
{
	return o->output == NULL || strcmp(o->output, "-") == 0;
}

/* Settles the format and checks the output target; 0, or -errno after a
 * message. */
static int settle_output(struct opts *o, struct outfile *out)
{
	int ret;

	/* Unless told: by the file's extension, else a QR code for a terminal. */
	if (!o->has_format && (is_stdout(o) || output_format_from_path(o->output, &o->format) < 0))
		o->format = is_stdout(o) && isatty(STDOUT_FILENO) ? FMT_QR : FMT_CONF;
	if (is_stdout(o)) {
		if ((o->format == FMT_PNG || o->format == FMT_SVG) && isatty(STDOUT_FILENO)) {
			log_error("not writing a %s image to a terminal: use -o FILE",
				  output_format_name(o->format));
			return -EINVAL;
		}
		return 0;
	}
	ret = outfile_open(out, o->output, 0600, o->force ? OUTFILE_REPLACE : 0);
	if (ret == -EEXIST)
		log_error("%s: already exists (use --force to replace it)", o->output);
	else if (ret < 0)
		log_error("%s: %s", o->output, strerror(-ret));
	return ret;
}

static bool in_network(const struct gateway *gw, const struct wgq_prefix *a)
{
	bool family_seen = false;

	for (size_t i = 0; i < gw->n_networks; i++) {
		struct wgq_prefix p = *a;

		if (gw->networks[i].family != a->family)
			continue;
		family_seen = true;
		p.cidr = gw->networks[i].cidr;
		wgq_prefix_network(&p);
		if (memcmp(&p, &gw->networks[i], sizeof(p)) == 0)
			return true;
	}
	return !family_seen;
}

/* The config the phone gets, from what the user asked and what vpnd said. */
static void build_config(struct wgq_config *c, const struct opts *o, const struct gateway *gw,
			 const struct phone_peer *p, const uint8_t sk[KEY_LEN])
{
	static const char *const everything[] = {"0.0.0.0/0", "::/0"};

	*c = o->want;
	strcpy(c->name, o->name);
	memcpy(c->private_key, sk, KEY_LEN);
	memcpy(c->addrs, p->addrs, (size_t)p->n_addrs * sizeof(c->addrs[0]));
	c->n_addrs = p->n_addrs;
	memcpy(c->public_key, gw->public_key, KEY_LEN);
	memcpy(c->preshared_key, p->preshared_key, KEY_LEN);
	c->flags |= WGQ_HAS_PRIVATE_KEY | WGQ_HAS_PEER | WGQ_HAS_PRESHARED_KEY;
	if (c->endpoint[0] == '\0')
		strcpy(c->endpoint, gw->endpoint);
	if (o->full_tunnel) {
		for (size_t i = 0; i < 2; i++)
			wgq_prefix_parse(&c->allowedips[i], everything[i]);
		c->n_allowedips = 2;
	} else if (c->n_allowedips == 0) {
		/* Only the tunnel network: mail goes through it, nothing else. */
		memcpy(c->allowedips, gw->networks, gw->n_networks * sizeof(gw->networks[0]));
		c->n_allowedips = gw->n_networks;
	}
}

static int write_stdout(const struct strbuf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(STDOUT_FILENO, b->buf + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/* A QR code wider than the terminal is unreadable; say so, it is still written. */
static void check_terminal_width(const struct opts *o, const struct strbuf *b)
{
	struct winsize ws;
	const char *nl = b->len > 0 ? memchr(b->buf, '\n', b->len) : NULL;
	size_t cols = 0;

	if (o->format != FMT_QR || !is_stdout(o) || nl == NULL ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return;
	for (const unsigned char *q = (const unsigned char *)b->buf; q < (const unsigned char *)nl;
	     q++)
		cols += (*q & 0xc0) != 0x80 && *q != 0x1b;
	/* The colour codes counted a few; a rough width is enough to warn. */
	if (cols > (size_t)ws.ws_col + 12)
		log_warn("the QR code is about %zu columns wide, the terminal %u", cols, ws.ws_col);
}

/* The register page's link, and on a terminal its QR code, for the phone's
 * camera; on stderr, beside the config. */
static void print_web_link(const char *uri)
{
	struct qr q = {0};
	struct strbuf b;
	int quiet;

	fprintf(stderr, "register the owner's security key on the phone: %s\n", uri);
	if (!isatty(STDERR_FILENO))
		return;
	strbuf_init(&b);
	if (qr_encode(&q, uri, QR_ECLEVEL_M, QR_ECLEVEL_L, TERM_COLUMNS - 2 * TERM_MIN_QUIET) ==
		    0 &&
	    (quiet = render_term_quiet(q.size)) >= 0 && render_term(&b, &q, quiet, true) == 0)
		fwrite(b.buf, 1, b.len, stderr);
	qr_finish(&q);
	strbuf_finish(&b);
}

static int run(struct opts *o)
{
	struct outfile out = {.fd = -1};
	struct gateway gw;
	struct phone_peer peer = {.name = o->name, .owner = o->owner};
	struct wgq_config c;
	struct strbuf b;
	uint8_t sk[KEY_LEN];
	bool registered = false;
	char err[ERR_LEN];
	int ret;

	wgq_config_init(&c);
	strbuf_init(&b);
	if (settle_output(o, &out) < 0)
		return 1;
	ret = gateway_load(&gw, o->conf);
	if (ret < 0)
		goto fail;
	if (o->want.n_addrs > 0) {
		if (!in_network(&gw, &o->want.addrs[0])) {
			char s[WGQ_PREFIX_STRLEN];

			wgq_prefix_format(&o->want.addrs[0], s);
			log_error("address %s is outside the tunnel network of %s", s, o->conf);
			ret = -EINVAL;
			goto fail;
		}
		peer.addrs[0] = o->want.addrs[0];
		peer.n_addrs = 1;
	}
	key_generate_private(sk);
	key_generate_preshared(peer.preshared_key);
	if (key_public(peer.public_key, sk) < 0) {
		log_error("making a key pair failed");
		ret = -EINVAL;
		goto fail;
	}
	ret = gateway_register(&gw, &peer);
	if (ret < 0)
		goto fail;
	registered = true;
	build_config(&c, o, &gw, &peer, sk);
	ret = output_render(&b, &c, o->format, is_stdout(o) && isatty(STDOUT_FILENO), err);
	if (ret < 0) {
		log_error("%s", err);
		goto fail;
	}
	if (out.tmp != NULL) {
		ret = outfile_write(&out, b.buf, b.len);
		if (ret == 0)
			ret = outfile_commit(&out);
	} else {
		ret = write_stdout(&b);
	}
	if (ret < 0) {
		log_error("%s: %s", is_stdout(o) ? "stdout" : o->output, strerror(-ret));
		goto fail;
	}
	check_terminal_width(o, &b);
	/* Not in the config: the owner opens it once, on the phone. */
	if (peer.web_uri[0] != '\0')
		print_web_link(peer.web_uri);
	log_info("peer '%s' of %s registered, disabled until its owner activates it (enroll "
		 "activate %s)",
		 o->name, o->owner, o->name);
	ret = 0;
fail:
	if (ret < 0 && registered && gateway_unregister(&gw, o->name) < 0)
		log_error("peer '%s' stays registered without a config: remove it with 'vpnd peer "
			  "remove %s'",
			  o->name, o->name);
	outfile_abort(&out);
	strbuf_finish(&b);
	wgq_config_finish(&c);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(&peer, sizeof(peer));
	return ret < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int ret;

	memset(&o, 0, sizeof(o));
	log_init("clientcfg", LOGL_INFO);
	if (parse_args(&o, argc, argv) < 0)
		return 2;
	if (key_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	ret = run(&o);
	wgq_config_finish(&o.want);
	return ret;
}

/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "base/atomicfile.h"
#include "gateway/conf.h"
#include "gateway/endpoint.h"
#include "base/duration.h"

enum conf_section {
	SEC_NONE,
	SEC_INTERFACE,
	SEC_SESSIONS,
	SEC_DAEMON,
	SEC_FIREWALL,
	SEC_WEB,
	SEC_METRICS,
	SEC_MAIL,
	SEC_STORE,
};

static const uint16_t default_fw_ports[] = {110, 143, 465, 587, 993, 995};

struct conf_ctx {
	struct conf *c;
	const char *name;
	unsigned line;
	char *err;
	unsigned seen; /* bit per key, for duplicates */
};

static int conf_fail(struct conf_ctx *x, const char *what, const char *value, const char *hint)
{
	text_err(x->err, "invalid %s '%s' at %s:%u%s%s", what, value, x->name, x->line,
		 hint != NULL ? ": " : "", hint != NULL ? hint : "");
	return -EINVAL;
}

static int copy_path(struct conf_ctx *x, char *dst, const char *what, const char *v)
{
	if (v[0] != '/' || strlen(v) >= PATH_MAX)
		return conf_fail(x, what, v, "expected an absolute path");
	strcpy(dst, v);
	return 0;
}

/* A user name as useradd takes it: no path, no colon, no shell word. */
static int parse_user(struct conf_ctx *x, const char *v)
{
	size_t n = strlen(v);

	if (n > CONF_CHILD_USER_MAX || !((v[0] >= 'a' && v[0] <= 'z') || v[0] == '_'))
		goto bad;
	for (size_t i = 1; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') || v[i] == '_' ||
		      v[i] == '-'))
			goto bad;
	memcpy(x->c->child_user, v, n + 1);
	return 0;
bad:
	return conf_fail(x, "child user", v,
			 "expected a user name: a-z or _ first, then a-z, 0-9, _ or -, at most 32");
}

static int parse_addresses(struct conf_ctx *x, const char *v)
{
	char buf[512];
	char *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return conf_fail(x, "address", v, "too long");
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		struct ipaddr *a = &x->c->addresses[x->c->n_addresses];

		tok = text_trim(tok);
		if (x->c->n_addresses == CONF_MAX_ADDRESSES)
			return conf_fail(x, "address", tok, "too many addresses");
		if (ipaddr_parse(a, tok, true) < 0)
			return conf_fail(x, "address", tok,
					 "expected ADDRESS/PREFIX, as 10.77.0.1/24 or fd77::1/64");
		x->c->n_addresses++;
	}
	if (x->c->n_addresses == 0)
		return conf_fail(x, "address", v, "expected ADDRESS/PREFIX");
	return 0;
}

/* "587, 465": into ports[] (CONF_MAX_MAIL_PORTS); dup false refuses a
 * port given twice (the firewall's set holds each once). */
static int parse_mail_ports(struct conf_ctx *x, const char *v, uint16_t *ports, int *n, bool dup)
{
	char buf[512];
	char *save = NULL, *tok;

	if (strlen(v) >= sizeof(buf))
		return conf_fail(x, "mail ports", v, "too long");
	strcpy(buf, v);
	*n = 0;
	/* The wall's ports may be none: a pilot while the public listeners
	 * still serve everyone else (docs/quickstart.md). */
	if (!dup && strcmp(text_trim(buf), "none") == 0)
		return 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = text_trim(tok);
		if (*n == CONF_MAX_MAIL_PORTS)
			return conf_fail(x, "mail port", tok, "too many ports");
		if (endpoint_parse_port(&ports[*n], tok) < 0)
			return conf_fail(x, "mail port", tok, "expected 1 to 65535");
		for (int i = 0; !dup && i < *n; i++)
			if (ports[i] == ports[*n])
				return conf_fail(x, "mail port", tok, "given twice");
		(*n)++;
	}
	if (*n == 0)
		return conf_fail(x, "mail ports", v, "expected ports, as 143, 993");
	return 0;
}

static int parse_rate(struct conf_ctx *x, const char *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] < '0' || v[0] > '9' || n < 1 ||
	    n > CONF_MAX_ACTIVATION_RATE)
		return conf_fail(x, "activation rate", v, "expected 1 to 1000000 a second");
	x->c->activation_rate = (uint32_t)n;
	return 0;
}

static int parse_yes_no(struct conf_ctx *x, const char *what, const char *v, bool *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0) {
		*out = false;
		return 0;
	}
	return conf_fail(x, what, v, "expected yes or no");
}

static int conf_key(struct conf_ctx *x, enum conf_section sec, const char *k, const char *v)
{
	static const struct {
		enum conf_section sec;
		const char *key;
	} keys[] = {
		{SEC_INTERFACE, "Name"},
		{SEC_INTERFACE, "Address"},
		{SEC_INTERFACE, "ListenPort"},
		{SEC_INTERFACE, "PrivateKey"},
		{SEC_INTERFACE, "PrivateKeyFile"},
		{SEC_INTERFACE, "Endpoint"},
		{SEC_INTERFACE, "ActivationPort"},
		{SEC_SESSIONS, "Window"},
		{SEC_SESSIONS, "Idle"},
		{SEC_DAEMON, "StateDirectory"},
		{SEC_DAEMON, "ControlSocket"},
		{SEC_DAEMON, "AuditLog"},
		{SEC_INTERFACE, "MailPorts"},
		{SEC_DAEMON, "ChildUser"},
		{SEC_DAEMON, "ActivationRate"},
		{SEC_FIREWALL, "MailPorts"},
		{SEC_FIREWALL, "Enforce"},
	};
	struct conf *c = x->c;
	char what[ERR_LEN];
	unsigned i;
	int ret;

	/* The sections with a parser of their own. */
	if (sec == SEC_WEB || sec == SEC_STORE || sec == SEC_METRICS || sec == SEC_MAIL) {
		ret = sec == SEC_WEB     ? webconf_key(&c->web, k, v, x->name, x->line, what)
		      : sec == SEC_STORE ? storeconf_key(&c->store, k, v, x->name, x->line, what)
		      : sec == SEC_METRICS
			      ? metricsconf_key(&c->metrics, k, v, x->name, x->line, what)
			      : mailconf_key(&c->mail, k, v, x->name, x->line, what);
		if (ret == -ENOENT)
			text_err(x->err, "unknown key '%s' at %s:%u", k, x->name, x->line);
		else if (ret < 0)
			text_err(x->err, "%s", what);
		return ret < 0 ? -EINVAL : 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].sec == sec && strcasecmp(keys[i].key, k) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0])) {
		text_err(x->err, "unknown key '%s' at %s:%u", k, x->name, x->line);
		return -EINVAL;
	}
	if (x->seen & (1U << i)) {
		text_err(x->err, "duplicate key '%s' at %s:%u", k, x->name, x->line);
		return -EINVAL;
	}
	x->seen |= 1U << i;
	switch (i) {
	case 0:
		if (strlen(v) >= IFNAMSIZ || !text_is_token(v, IFNAMSIZ - 1) || strchr(v, '/'))
			return conf_fail(x, "interface name", v, "at most 15 characters");
		strcpy(c->ifname, v);
		return 0;
	case 1:
		return parse_addresses(x, v);
	case 2:
		if (endpoint_parse_port(&c->listen_port, v) < 0)
			return conf_fail(x, "listen port", v, "expected 1 to 65535");
		return 0;
	case 3:
		if (key_from_base64(c->private_key, v) < 0)
			return conf_fail(x, "private key", "...",
					 "expected 44 characters of base64");
		c->has_private_key = true;
		return 0;
	case 4:
		return copy_path(x, c->private_key_file, "private key file", v);
	case 5:
		if (endpoint_parse(v, c->endpoint_host, sizeof(c->endpoint_host),
				   &c->endpoint_port) < 0)
			return conf_fail(x, "endpoint", v, "expected HOST:PORT");
		return 0;
	case 6:
		if (endpoint_parse_port(&c->activation_port, v) < 0)
			return conf_fail(x, "activation port", v, "expected 1 to 65535");
		return 0;
	case 7:
		if (duration_parse(&c->window, v) < 0)
			return conf_fail(x, "window", v, DURATION_HINT);
		return 0;
	case 8:
		if (strcasecmp(v, "off") == 0)
			c->idle = 0;
		else if (duration_parse(&c->idle, v) < 0)
			return conf_fail(x, "idle", v, DURATION_HINT " (or off)");
		return 0;
	case 9:
		return copy_path(x, c->state_dir, "state directory", v);
	case 10:
		return copy_path(x, c->control_socket, "control socket", v);
	case 11:
		return copy_path(x, c->audit_log, "audit log", v);
	case 12:
		return parse_mail_ports(x, v, c->mail_ports, &c->n_mail_ports, true);
	case 13:
		return parse_user(x, v);
	case 14:
		return parse_rate(x, v);
	case 15:
		return parse_mail_ports(x, v, c->fw_ports, &c->n_fw_ports, false);
	default:
		return parse_yes_no(x, "Enforce", v, &c->fw_enforce);
	}
}

static int conf_line(struct conf_ctx *x, char *line, enum conf_section *sec)
{
	char *hash = strchr(line, '#'), *eq, *k, *v;

	if (hash != NULL)
		*hash = '\0';
	line = text_trim(line);
	if (line[0] == '\0')
		return 0;
	if (line[0] == '[') {
		if (strcasecmp(line, "[Interface]") == 0)
			*sec = SEC_INTERFACE;
		else if (strcasecmp(line, "[Sessions]") == 0)
			*sec = SEC_SESSIONS;
		else if (strcasecmp(line, "[Daemon]") == 0)
			*sec = SEC_DAEMON;
		else if (strcasecmp(line, "[Firewall]") == 0)
			*sec = SEC_FIREWALL;
		else if (strcasecmp(line, "[Metrics]") == 0) {
			*sec = SEC_METRICS;
			x->c->metrics.enabled = true;
		} else if (strcasecmp(line, "[Web]") == 0) {
			*sec = SEC_WEB;
			x->c->web.enabled = true;
		} else if (strcasecmp(line, "[Mail]") == 0) {
			*sec = SEC_MAIL;
			x->c->mail.enabled = true;
		} else if (strcasecmp(line, "[Store]") == 0)
			*sec = SEC_STORE;
		else
			return conf_fail(x, "section", line,
					 "expected [Interface], [Sessions], [Daemon], [Firewall], "
					 "[Web], [Mail], [Metrics] or [Store]");
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL)
		return conf_fail(x, "line", line, "expected Key = Value");
	*eq = '\0';
	k = text_trim(line);
	v = text_trim(eq + 1);
	if (*sec == SEC_NONE) {
		text_err(x->err, "key '%s' outside a section at %s:%u", k, x->name, x->line);
		return -EINVAL;
	}
	if (v[0] == '\0')
		return conf_fail(x, "empty value for", k, NULL);
	return conf_key(x, *sec, k, v);
}

static void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_port = CONF_DEFAULT_LISTEN_PORT;
	c->activation_port = CONF_DEFAULT_ACTIVATION_PORT;
	c->window = CONF_DEFAULT_WINDOW;
	c->idle = CONF_DEFAULT_IDLE;
	c->activation_rate = CONF_DEFAULT_ACTIVATION_RATE;
	strcpy(c->state_dir, CONF_DEFAULT_STATE_DIR);
	strcpy(c->child_user, CONF_DEFAULT_CHILD_USER);
	c->n_fw_ports = (int)(sizeof(default_fw_ports) / sizeof(default_fw_ports[0]));
	memcpy(c->fw_ports, default_fw_ports, sizeof(default_fw_ports));
	c->fw_enforce = true;
}

int conf_parse(struct conf *c, const char *text, size_t len, const char *name, char err[ERR_LEN])
{
	struct conf_ctx x = {.c = c, .name = name, .err = err};
	enum conf_section sec = SEC_NONE;
	const char *p = text, *end = text + len;
	char line[1024];
	int ret;

	conf_defaults(c);
	err[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl != NULL ? nl : end) - p;

		x.line++;
		if (n >= sizeof(line) || memchr(p, '\0', n) != NULL) {
			text_err(err, "line %u of %s is too long or not text", x.line, name);
			ret = -EINVAL;
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		ret = conf_line(&x, line, &sec);
		if (ret < 0)
			goto fail;
	}
	if (c->ifname[0] == '\0' || c->n_addresses == 0 || c->endpoint_host[0] == '\0') {
		text_err(err, "%s: [Interface] needs Name, Address and Endpoint", name);
		ret = -EINVAL;
		goto fail;
	}
	if (c->has_private_key == (c->private_key_file[0] != '\0')) {
		text_err(err, "%s: [Interface] needs one of PrivateKey or PrivateKeyFile", name);
		ret = -EINVAL;
		goto fail;
	}
	if (metricsconf_finish(&c->metrics, line) < 0) {
		text_err(err, "%s: %s", name, line);
		ret = -EINVAL;
		goto fail;
	}
	if (webconf_finish(&c->web, line) < 0 || mailconf_finish(&c->mail, line) < 0 ||
	    storeconf_finish(&c->store, line) < 0) {
		text_err(err, "%s: %s", name, line);
		ret = -EINVAL;
		goto fail;
	}
	if (c->control_socket[0] == '\0' &&
	    (size_t)snprintf(c->control_socket, sizeof(c->control_socket), "%s/%s.sock",
			     CONF_DEFAULT_SOCKET_DIR, c->ifname) >= sizeof(c->control_socket)) {
		text_err(err, "%s: the default control socket path is too long", name);
		ret = -ENAMETOOLONG;
		goto fail;
	}
	if (strlen(c->control_socket) >= 108) {
		text_err(err, "%s: control socket path '%s' is longer than 107 bytes", name,
			 c->control_socket);
		ret = -EINVAL;
		goto fail;
	}
	sodium_memzero(line, sizeof(line));
	return 0;
fail:
	sodium_memzero(line, sizeof(line));
	conf_finish(c);
	return ret;
}

int conf_load(struct conf *c, const char *path, char err[ERR_LEN])
{
	char *text = NULL;
	size_t len;
	int ret;

	ret = atomicfile_read(path, &text, &len, CONF_MAX_SIZE);
	if (ret < 0) {
		text_err(err, "cannot read %s: %s", path,
			 ret == -EFBIG ? "file too large" : strerror(-ret));
		return ret;
	}
	ret = conf_parse(c, text, len, path, err);
	sodium_memzero(text, len);
	free(text);
	if (ret == 0 && strlen(path) < sizeof(c->path))
		strcpy(c->path, path);
	return ret;
}

int conf_private_key(const struct conf *c, uint8_t key[KEY_LEN], char err[ERR_LEN])
{
	if (c->has_private_key) {
		memcpy(key, c->private_key, KEY_LEN);
		return 0;
	}
	/* Its message names the file and what is wrong with it. */
	return key_file_read(key, c->private_key_file, err);
}

void conf_finish(struct conf *c)
{
	sodium_memzero(c->private_key, sizeof(c->private_key));
	c->has_private_key = false;
}

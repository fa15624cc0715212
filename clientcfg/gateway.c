/* SPDX-License-Identifier: ISC */
/*
 * The gateway as clientcfg sees it: vpnd.conf read with vpnd's own parser,
 * and the running vpnd reached through its control socket.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "gateway/ctl.h"
#include "gateway.h"
#include "base/ipaddr.h"
#include "base/log.h"
#include "base/strbuf.h"

static void prefix_from_ipaddr(struct wgq_prefix *p, const struct ipaddr *a)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	p->cidr = a->prefix;
	if (a->family == AF_INET)
		memcpy(&p->ip4, a->bytes, 4);
	else
		memcpy(&p->ip6, a->bytes, 16);
	wgq_prefix_network(p);
}

static void add_network(struct gateway *gw, const struct ipaddr *a)
{
	struct wgq_prefix p;

	prefix_from_ipaddr(&p, a);
	for (size_t i = 0; i < gw->n_networks; i++)
		if (memcmp(&gw->networks[i], &p, sizeof(p)) == 0)
			return;
	gw->networks[gw->n_networks++] = p;
}

int gateway_load(struct gateway *gw, const char *path)
{
	struct conf c;
	uint8_t sk[KEY_LEN];
	char err[ERR_LEN];
	int ret, n;

	memset(gw, 0, sizeof(*gw));
	ret = conf_load(&c, path, err);
	if (ret < 0) {
		log_error("%s", err);
		return ret;
	}
	ret = conf_private_key(&c, sk, err);
	if (ret < 0) {
		log_error("%s", err);
		goto fail;
	}
	ret = key_public(gw->public_key, sk);
	if (ret < 0) {
		log_error("%s: the gateway's private key is not usable", path);
		goto fail;
	}
	/* The phone apps want an IPv6 host in brackets, as wg(8) does. */
	n = snprintf(gw->endpoint, sizeof(gw->endpoint),
		     strchr(c.endpoint_host, ':') != NULL ? "[%s]:%u" : "%s:%u", c.endpoint_host,
		     (unsigned)c.endpoint_port);
	if (n < 0 || (size_t)n >= sizeof(gw->endpoint) || !wgq_endpoint_valid(gw->endpoint)) {
		log_error("%s: endpoint '%s' is not one a phone can use: expected a DNS name or "
			  "an IP address (use --endpoint HOST:PORT)",
			  path, c.endpoint_host);
		ret = -EINVAL;
		goto fail;
	}
	for (int i = 0; i < c.n_addresses; i++)
		add_network(gw, &c.addresses[i]);
	strcpy(gw->socket, c.control_socket);
	gw->web = c.web.enabled;
	ret = 0;
fail:
	sodium_memzero(sk, sizeof(sk));
	conf_finish(&c);
	return ret;
}

/* Sends one request; 0 when vpnd said ok, else -errno with what went wrong
 * in err (vpnd's own message when it refused). */
static int call(const struct gateway *gw, struct strbuf *req, struct ctl_reply *reply,
		char err[ERR_LEN])
{
	int ret;

	ctl_end_line(req);
	if (req->failed) {
		text_err(err, "out of memory");
		return -ENOMEM;
	}
	ret = ctl_call(gw->socket, req->buf, reply, err);
	if (ret < 0)
		return ret;
	if (reply->error != NULL) {
		text_err(err, "%s", reply->error);
		return -EPERM;
	}
	return 0;
}

/* The addresses vpnd gave the peer, each a host: "addresses" lists them
 * all; a vpnd from before dual-stack tunnels says only "address". */
static int reply_addresses(const struct ctl_reply *reply, struct phone_peer *p)
{
	const struct ctl_record *rec = reply->nrec == 1 ? &reply->recs[0] : NULL;
	const char *s = rec != NULL ? ctl_record_get(rec, "addresses") : NULL;
	char item[WGQ_PREFIX_STRLEN];

	if (s == NULL && rec != NULL)
		s = ctl_record_get(rec, "address");
	if (s == NULL)
		return -EINVAL;
	p->n_addrs = 0;
	for (;;) {
		size_t len = strcspn(s, ",");

		if (len == 0 || len >= sizeof(item) || p->n_addrs == PHONE_ADDRS_MAX)
			return -EINVAL;
		memcpy(item, s, len);
		item[len] = '\0';
		if (strchr(item, '/') != NULL ||
		    wgq_prefix_parse(&p->addrs[p->n_addrs++], item) < 0)
			return -EINVAL;
		if (s[len] == '\0')
			return 0;
		s += len + 1;
	}
}

int gateway_register(const struct gateway *gw, struct phone_peer *p)
{
	struct ctl_reply reply = {0};
	struct strbuf req;
	key_b64_t pub, psk;
	char err[ERR_LEN];
	int ret;

	key_to_base64(pub, p->public_key);
	key_to_base64(psk, p->preshared_key);
	strbuf_init(&req);
	ctl_add_word(&req, "peer");
	ctl_add_word(&req, "add");
	ctl_add_word(&req, p->name);
	ctl_add_field(&req, "owner", p->owner);
	ctl_add_field(&req, "kind", "mobile");
	ctl_add_field(&req, "public-key", pub);
	ctl_add_field(&req, "psk", psk);
	if (p->n_addrs > 0) {
		char a[WGQ_PREFIX_STRLEN];

		wgq_prefix_format(&p->addrs[0], a);
		*strchr(a, '/') = '\0';
		ctl_add_field(&req, "address", a);
	}
	/* vpnd checks the owner in the same step that adds the peer: no race
	 * with an admin removing it, and a typo never makes a new owner. */
	ctl_add_field(&req, "existing-owner", "yes");
	/* With [Web], a one-time code for the register page. */
	ctl_add_field(&req, "enroll", gw->web ? "yes" : "no");
	ret = call(gw, &req, &reply, err);
	if (ret < 0) {
		log_error("cannot register peer '%s': %s", p->name, err);
		goto fail;
	}
	if (reply.nrec == 1 && ctl_record_get(&reply.recs[0], "web-uri") != NULL)
		snprintf(p->web_uri, sizeof(p->web_uri), "%s",
			 ctl_record_get(&reply.recs[0], "web-uri"));
	ret = reply_addresses(&reply, p);
	if (ret < 0) {
		log_error("vpnd registered peer '%s' but did not say its address", p->name);
		gateway_unregister(gw, p->name);
		goto fail;
	}
	ret = 0;
fail:
	sodium_memzero(psk, sizeof(psk));
	strbuf_finish(&req);
	ctl_reply_finish(&reply);
	return ret;
}

int gateway_unregister(const struct gateway *gw, const char *name)
{
	struct ctl_reply reply = {0};
	struct strbuf req;
	char err[ERR_LEN];
	int ret;

	strbuf_init(&req);
	ctl_add_word(&req, "peer");
	ctl_add_word(&req, "remove");
	ctl_add_word(&req, name);
	ret = call(gw, &req, &reply, err);
	if (ret < 0)
		log_error("cannot remove peer '%s' again: %s", name, err);
	strbuf_finish(&req);
	ctl_reply_finish(&reply);
	return ret;
}

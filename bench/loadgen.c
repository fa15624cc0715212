/* SPDX-License-Identifier: ISC */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "loadgen.h"
#include "proto/proto_uri.h"
#include "proto/actclient.h"

#define RP "keygate"

int loadgen_device_init(struct loadgen_device *d)
{
	memset(d, 0, sizeof(*d));
	key_generate_private(d->sk);
	if (key_public(d->pub, d->sk) < 0)
		return -EINVAL;
	d->ec = EVP_EC_gen("P-256");
	if (d->ec == NULL)
		return -EIO;
	randombytes_buf(d->cred_id, sizeof(d->cred_id));
	return 0;
}

void loadgen_device_finish(struct loadgen_device *d)
{
	EVP_PKEY_free(d->ec);
	sodium_memzero(d, sizeof(*d));
}

/* What a security key does: authData (rpIdHash, UP|UV, counter) || cdh,
 * signed with ES256. */
static int sign(struct loadgen_device *d, const uint8_t cdh[32], struct proto_assertion *a)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t msg[69];
	size_t n = sizeof(a->sig);
	uint32_t c = ++d->count;
	int r = 0;

	crypto_hash_sha256(a->auth_data, (const uint8_t *)RP, strlen(RP));
	a->auth_data[32] = 0x05;
	a->auth_data[33] = (uint8_t)(c >> 24);
	a->auth_data[34] = (uint8_t)(c >> 16);
	a->auth_data[35] = (uint8_t)(c >> 8);
	a->auth_data[36] = (uint8_t)c;
	a->auth_data_len = 37;
	memcpy(msg, a->auth_data, 37);
	memcpy(msg + 37, cdh, 32);
	if (ctx == NULL || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, d->ec) != 1 ||
	    EVP_DigestSign(ctx, a->sig, &n, msg, sizeof(msg)) != 1)
		r = -EIO;
	a->sig_len = n;
	a->cred_id_len = sizeof(d->cred_id);
	memcpy(a->cred_id, d->cred_id, sizeof(d->cred_id));
	EVP_MD_CTX_free(ctx);
	return r;
}

static void next_source(struct loadgen *lg, struct sockaddr_in *a)
{
	lg->src_next = lg->src_next % 65534 + 1;
	*a = (struct sockaddr_in){.sin_family = AF_INET};
	a->sin_addr.s_addr = htonl(lg->src_base + lg->src_next);
}

struct enroll_ctx {
	struct loadgen_device *d;
	const uint8_t *code;
};

static int enroll_prepare(void *arg, const struct proto_client *c, struct proto_request *req)
{
	struct enroll_ctx *x = arg;
	uint8_t pub[65];
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(x->d->ec, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
					    sizeof(pub), &n) != 1 ||
	    n != 65)
		return PROTO_ERR_NO_DEVICE;
	req->fields |= PROTO_REQ_CODE | PROTO_REQ_NEW_CRED;
	memcpy(req->code, x->code, PROTO_CODE_LEN);
	req->cred.alg = PROTO_COSE_ES256;
	memcpy(req->cred.id, x->d->cred_id, sizeof(x->d->cred_id));
	req->cred.id_len = sizeof(x->d->cred_id);
	memcpy(req->cred.pk, pub + 1, 64);
	req->cred.pk_len = 64;
	req->cred.uv = true;
	return 0;
}

int loadgen_enroll(struct loadgen *lg, struct loadgen_device *d, const uint8_t code[PROTO_CODE_LEN])
{
	struct enroll_ctx x = {.d = d, .code = code};
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	char host[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN], err[ERR_LEN];
	struct actclient_opts o = {.host = host, .timeout_ms = 500, .tries = 6, .source = src};
	struct sockaddr_in a;
	struct proto_reply rep;
	int r;

	inet_ntop(AF_INET, &lg->gw.sin_addr, host, sizeof(host));
	o.port = ntohs(lg->gw.sin_port);
	next_source(lg, &a);
	inet_ntop(AF_INET, &a.sin_addr, src, sizeof(src));
	memcpy(t.key, d->pub, KEY_LEN);
	r = actclient_run(&o, lg->gw_pub, PROTO_OP_ENROLL, &t, d->sk, enroll_prepare, &x, &rep,
			  err);
	if (r == PROTO_OK && rep.status != PROTO_OK)
		r = rep.status;
	if (r == PROTO_OK && (rep.fields & PROTO_REP_ACT_KEY))
		memcpy(lg->gw_pub, rep.act_key, KEY_LEN);
	return r;
}

static int send_pkt(struct loadgen_exchange *x, double now)
{
	x->sent = now;
	return send(x->fd, x->pkt, x->len, 0) < 0 && errno != EAGAIN ? -errno : 0;
}

int loadgen_start(struct loadgen *lg, struct loadgen_exchange *x, int dev, double now)
{
	struct proto_target t = {.kind = PROTO_TARGET_KEY};
	struct sockaddr_in a;
	int r;

	memset(x, 0, sizeof(*x));
	x->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		return -errno;
	next_source(lg, &a);
	/* A source of its own per exchange: the gateway limits each one to
	 * five a second, and a real crowd comes from many. */
	if (bind(x->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    connect(x->fd, (struct sockaddr *)&lg->gw, sizeof(lg->gw)) < 0) {
		r = -errno;
		close(x->fd);
		x->fd = -1;
		return r;
	}
	memcpy(t.key, lg->devs[dev].pub, KEY_LEN);
	r = proto_client_begin(&x->c, lg->gw_pub, PROTO_OP_ACTIVATE, &t, x->pkt);
	if (r < 0)
		return r;
	x->len = PROTO_HELLO_LEN;
	x->dev = dev;
	x->stage = 1;
	x->started = now;
	return send_pkt(x, now);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* A CHALLENGE whose slot certificate was verified before: the MACs and
 * the commitment are checked, the signature is not checked again. */
static int challenge(struct loadgen *lg, struct loadgen_exchange *x, const uint8_t *pkt, size_t len)
{
	struct proto_client *c = &x->c;
	struct proto_reply rep;
	int code, r;

	if (len == PROTO_CHALLENGE_LEN && lg->have_cert && !c->sent &&
	    proto_packet_type(pkt, len) == PROTO_CHALLENGE &&
	    memcmp(pkt + 68, lg->cert, sizeof(lg->cert)) == 0 &&
	    proto_mac0_ok(pkt, len, &c->macs) && proto_mac1_ok(pkt, len, &c->macs) &&
	    sodium_memcmp(pkt + 4, c->commit, PROTO_COMMIT_LEN) == 0) {
		c->challenge.time = be64(pkt + 36);
		memcpy(c->challenge.tag, pkt + 44, PROTO_TAG_LEN);
		memcpy(c->slot_pub, pkt + 68, KEY_LEN);
		c->slot_wall = be64(pkt + 100);
		c->have_challenge = true;
		return PROTO_CHALLENGE;
	}
	r = proto_client_receive(c, pkt, len, &code, &rep);
	if (r == PROTO_CHALLENGE) {
		memcpy(lg->cert, pkt + 68, sizeof(lg->cert));
		lg->have_cert = true;
	}
	return r;
}

int loadgen_receive(struct loadgen *lg, struct loadgen_exchange *x, double now)
{
	uint8_t buf[PROTO_REPLY_MAX + 1], cdh[32];
	struct proto_request req = {.client_time = (uint64_t)time(NULL)};
	struct proto_reply rep;
	ssize_t n;
	int code, r;

	while ((n = recv(x->fd, buf, sizeof(buf), 0)) > 0) {
		if (x->stage == 1 && challenge(lg, x, buf, (size_t)n) == PROTO_CHALLENGE) {
			proto_client_cdh(&x->c, cdh, NULL, NULL);
			req.fields = PROTO_REQ_ASSERTION;
			if (sign(&lg->devs[x->dev], cdh, &req.assertion) < 0)
				return -EIO;
			r = proto_client_request(&x->c, lg->devs[x->dev].sk, &req, x->pkt);
			sodium_memzero(&req, sizeof(req));
			if (r < 0)
				return r;
			x->len = PROTO_REQUEST_LEN;
			x->stage = 2;
			x->tries = 0;
			if ((r = send_pkt(x, now)) < 0)
				return r;
			continue;
		}
		if (x->stage == 2 &&
		    proto_client_receive(&x->c, buf, (size_t)n, &code, &rep) == PROTO_REPLY) {
			r = rep.status == PROTO_OK && (rep.fields & PROTO_REP_PSK) ? 1 : -EACCES;
			if (r < 0)
				lg->refused[rep.status]++;
			sodium_memzero(&rep, sizeof(rep));
			return r;
		}
	}
	return 0;
}

int loadgen_retransmit(struct loadgen_exchange *x, double now, double timeout_s, int tries)
{
	if (x->stage == 0 || now - x->sent < timeout_s)
		return 0;
	if (++x->tries >= tries)
		return -ETIMEDOUT;
	return send_pkt(x, now) < 0 ? -EIO : 1;
}

void loadgen_end(struct loadgen_exchange *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	proto_client_finish(&x->c);
	x->stage = 0;
}

int loadgen_enroll_uris(struct loadgen *lg, const char *path, const char *prog)
{
	char line[1024], why[ERR_LEN];
	FILE *f = fopen(path, "r");
	struct proto_uri u;

	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct loadgen_device *d;
		int r;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (proto_uri_parse(&u, line, why) < 0) {
			fprintf(stderr, "%s: %s\n", prog, why);
			continue;
		}
		if (lg->n_devs == 0) {
			lg->gw.sin_family = AF_INET;
			lg->gw.sin_port = htons(u.port);
			inet_pton(AF_INET, u.host, &lg->gw.sin_addr);
			memcpy(lg->gw_pub, u.gw_pub, KEY_LEN);
		}
		d = &lg->devs[lg->n_devs];
		if (loadgen_device_init(d) < 0)
			break;
		r = loadgen_enroll(lg, d, u.code);
		if (r != 0) {
			fprintf(stderr, "%s: enrolling %s: %s\n", prog, u.name,
				r < 0 ? strerror(-r) : proto_strerror(r));
			loadgen_device_finish(d);
			continue;
		}
		snprintf(d->name, sizeof(d->name), "%s", u.name);
		lg->n_devs++;
	}
	fclose(f);
	sodium_memzero(&u, sizeof(u));
	return lg->n_devs > 0 ? 0 : -ENOENT;
}

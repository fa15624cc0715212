/* SPDX-License-Identifier: ISC */
/*
 * IF.keygate, next to wg-quick's IF.conf: where the gateway is, its
 * activation key, the credentials registered from this machine. Plain
 * `key = value` lines, read strictly and replaced atomically.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/outfile.h"
#include "opts.h"
#include "state.h"

int state_path(char *buf, size_t cap, const struct enroll_opts *o, const char *suffix)
{
	int n = snprintf(buf, cap, "%s/%s.%s", o->dir, o->ifname, suffix);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int state_split_endpoint(const char *ep, char *host, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(ep, ':');
	const char *h = ep;
	size_t hl;
	char *end;
	unsigned long p;

	if (colon == NULL)
		return -EINVAL;
	hl = (size_t)(colon - ep);
	if (hl >= 2 && ep[0] == '[' && ep[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= cap)
		return -EINVAL;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int state_pick(struct enroll_opts *o, const char *hint)
{
	static const char suffix[] = ".keygate";
	char names[8][16], list[8 * 18];
	size_t n = 0, total = 0, len = 0;
	struct dirent *e;
	DIR *dir;

	if (o->ifname != NULL)
		return 0;
	dir = opendir(o->dir);
	if (dir == NULL) {
		if (errno == ENOENT)
			goto none;
		fprintf(stderr, "enroll: cannot read %s: %s\n", o->dir, strerror(errno));
		return -errno;
	}
	while ((e = readdir(dir)) != NULL) {
		size_t l = strlen(e->d_name);
		char name[NAME_MAX + 1];

		if (l <= sizeof(suffix) - 1 ||
		    strcmp(e->d_name + l - (sizeof(suffix) - 1), suffix) != 0)
			continue;
		memcpy(name, e->d_name, l - (sizeof(suffix) - 1));
		name[l - (sizeof(suffix) - 1)] = '\0';
		/* A leftover of an atomic write, or a name no interface has. */
		if (!opts_ifname_valid(name) || name[0] == '.')
			continue;
		if (n < sizeof(names) / sizeof(names[0]))
			memcpy(names[n++], name, strlen(name) + 1); /* valid: <= 15 */
		total++;
	}
	closedir(dir);
	if (total == 0)
		goto none;
	qsort(names, n, sizeof(names[0]), cmp_names);
	if (total == 1) {
		memcpy(o->found_if, names[0], sizeof(o->found_if));
		o->ifname = o->found_if;
		return 0;
	}
	list[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i > 0 ? ", " : "",
					names[i]);
	fprintf(stderr, "enroll: %zu keygate interfaces here (%s%s); name one: %s %s\n", total,
		list, total > n ? ", ..." : "", hint, names[0]);
	return -ENOTUNIQ;
none:
	fprintf(stderr,
		"enroll: no keygate interface on this machine (no IF.keygate in %s); run 'enroll "
		"register URI' first\n",
		o->dir);
	return -ENOENT;
}

static const char *alg_name(int alg)
{
	return alg == PROTO_COSE_EDDSA ? "eddsa" : "es256";
}

static int set_field(struct enroll_state *st, const char *key, const char *val)
{
	size_t n = strlen(val), got = 0;

	if (strcmp(key, "gateway") == 0 && n < sizeof(st->gateway)) {
		memcpy(st->gateway, val, n + 1);
	} else if (strcmp(key, "gateway-key") == 0) {
		return key_from_base64(st->gw_key, val);
	} else if (strcmp(key, "rp-id") == 0 && n >= 1 && n < sizeof(st->rp_id)) {
		memcpy(st->rp_id, val, n + 1);
	} else if (strcmp(key, "peer") == 0 && proto_name_valid(val, n)) {
		memcpy(st->peer, val, n + 1);
	} else if (strcmp(key, "owner") == 0 && proto_name_valid(val, n)) {
		memcpy(st->owner, val, n + 1);
	} else if (strcmp(key, "peer-key") == 0) {
		return key_from_base64(st->peer_key, val);
	} else if (strcmp(key, "device") == 0 &&
		   (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0)) {
		st->device = strcmp(val, "yes") == 0;
	} else if (strcmp(key, "session-end") == 0) {
		char *end;

		st->session_end = strtoull(val, &end, 10);
		return *end == '\0' && n > 0 ? 0 : -EINVAL;
	} else if (strcmp(key, "credential") == 0 && st->n_creds < ENROLL_MAX_CREDS) {
		struct enroll_cred *c = &st->creds[st->n_creds];

		if (strncmp(val, "es256 ", 6) == 0)
			c->alg = PROTO_COSE_ES256;
		else if (strncmp(val, "eddsa ", 6) == 0)
			c->alg = PROTO_COSE_EDDSA;
		else
			return -EINVAL;
		if (sodium_base642bin(c->id, sizeof(c->id), val + 6, n - 6, NULL, &got, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    got == 0)
			return -EINVAL;
		c->id_len = got;
		st->n_creds++;
	} else {
		return -EINVAL;
	}
	return 0;
}

int state_load(struct enroll_state *st, const struct enroll_opts *o)
{
	char path[512], line[1024];
	unsigned lineno = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (state_path(path, sizeof(path), o, "keygate") < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT)
			fprintf(stderr,
				"enroll: %s is not enrolled: no %s; run 'enroll register "
				"URI' first\n",
				o->ifname, path);
		else
			fprintf(stderr, "enroll: cannot read %s: %s\n", path, strerror(errno));
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq, *key = line, *val;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		eq = strstr(line, " = ");
		if (eq == NULL)
			goto bad;
		*eq = '\0';
		val = eq + 3;
		if (set_field(st, key, val) < 0)
			goto bad;
	}
	fclose(f);
	if (st->gateway[0] == '\0' || key_is_zero(st->gw_key) || st->rp_id[0] == '\0' ||
	    st->peer[0] == '\0' || st->n_creds == 0) {
		fprintf(stderr, "enroll: %s is incomplete; register again\n", path);
		return -EINVAL;
	}
	return 0;
bad:
	fclose(f);
	fprintf(stderr, "enroll: %s:%u: invalid line\n", path, lineno);
	return -EINVAL;
}

int state_save(const struct enroll_state *st, const struct enroll_opts *o, bool replace)
{
	char path[512], text[4096],
		b64[sodium_base64_ENCODED_LEN(PROTO_CRED_ID_MAX, sodium_base64_VARIANT_ORIGINAL)];
	key_b64_t gk, pk;
	size_t n = 0;
	int r;

	if (state_path(path, sizeof(path), o, "keygate") < 0)
		return -ENAMETOOLONG;
	key_to_base64(gk, st->gw_key);
	key_to_base64(pk, st->peer_key);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "# keygate state of %s, written by enroll\n"
			      "gateway = %s\ngateway-key = %s\nrp-id = %s\npeer = %s\n"
			      "peer-key = %s\ndevice = %s\n",
			      o->ifname, st->gateway, gk, st->rp_id, st->peer, pk,
			      st->device ? "yes" : "no");
	if (st->owner[0] != '\0')
		n += (size_t)snprintf(text + n, sizeof(text) - n, "owner = %s\n", st->owner);
	if (st->session_end != 0)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "session-end = %llu\n",
				      (unsigned long long)st->session_end);
	for (size_t i = 0; i < st->n_creds && n < sizeof(text); i++) {
		sodium_bin2base64(b64, sizeof(b64), st->creds[i].id, st->creds[i].id_len,
				  sodium_base64_VARIANT_ORIGINAL);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "credential = %s %s\n",
				      alg_name(st->creds[i].alg), b64);
	}
	if (n >= sizeof(text))
		return -ENOSPC;
	r = outfile_write_all(path, text, n, 0600, replace ? OUTFILE_REPLACE : 0);
	if (r < 0)
		fprintf(stderr, "enroll: cannot write %s: %s\n", path, strerror(-r));
	return r;
}

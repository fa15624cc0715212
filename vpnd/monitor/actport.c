/* SPDX-License-Identifier: ISC */
/* The activation port's socket and keys (actport.h). */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/duration.h"
#include "base/log.h"
#include "gateway/ctl.h"
#include "monitor/actport.h"
#include "monitor/audit.h"
#include "state/actkey.h"

struct actport {
	struct vpnd *d;
	struct actkey key;
	char path[PATH_MAX];
	struct loop_source *timer; /* the previous key's grace ends */
};

/* Room for a burst of requests (about 900 of them): one the full queue
 * drops costs its client a retransmission, a second with enroll, where
 * one that waits costs it the microseconds of the datagrams ahead of it.
 * Garbage in it costs a microsecond each (mac0). */
static void roomy(int fd)
{
	int size = 2 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int actport_bind(uint16_t port)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	int off = 0, fd, e;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0) {
			roomy(fd);
			return fd;
		}
		close(fd);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0) {
		roomy(fd);
		return fd;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	log_error("cannot listen on UDP port %u for activations: %s", port, strerror(e));
	return -e;
}

static void b64(key_b64_t out, const uint8_t k[KEY_LEN])
{
	key_to_base64(out, k);
}

static void arm(struct actport *ap)
{
	if (ap->key.has_prev)
		loop_timer_set(ap->timer, (uint64_t)ap->key.prev_until * NS_PER_SEC);
}

/* Its grace over, the previous key goes from the file; the network child
 * has stopped taking it by its own clock already. */
static int grace_cb(int fd, uint32_t events, void *data)
{
	struct actport *ap = data;
	struct actkey was = ap->key;
	char err[ERR_LEN];
	key_b64_t k;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		goto out;
	if (!actkey_expire(&ap->key, clock_wall()))
		goto out;
	if (actkey_save(&ap->key, ap->path, true, err) < 0) {
		/* Kept in the file; the monitor and the child refuse it anyway. */
		log_error("retiring the previous activation key: %s", err);
		ap->key = was;
		goto out;
	}
	b64(k, ap->key.retired_pk);
	audit_event("activation-key-retired", "key", k, "by", "vpnd", NULL);
out:
	sodium_memzero(&was, sizeof(was));
	return 0;
}

static bool has_peers(const struct vpnd *d)
{
	return d->reg != NULL && d->reg->n_peers > 0;
}

/* No file: a fresh key, or the migration of a version-1 gateway. */
static int make_key(struct actport *ap, char err[ERR_LEN])
{
	int64_t now = clock_wall();
	key_b64_t k, p;
	char until[32];
	int ret;

	if (has_peers(ap->d))
		actkey_migrate(&ap->key, ap->d->private_key, now, ACTKEY_GRACE);
	else
		actkey_generate(&ap->key);
	ret = actkey_save(&ap->key, ap->path, false, err);
	if (ret < 0)
		return ret;
	b64(k, ap->key.pk);
	if (!ap->key.has_prev) {
		audit_event("activation-key-created", "key", k, "by", "vpnd", NULL);
		return 0;
	}
	b64(p, ap->key.prev_pk);
	clock_format_utc(until, sizeof(until), ap->key.prev_until);
	log_warn("made %s: the activation key is no longer derived from the WireGuard key; "
		 "the old one is accepted until %s, and clients learn the new one when they "
		 "next connect",
		 ap->path, until);
	audit_event("activation-key-migrated", "key", k, "previous", p, "until", until, "by",
		    "vpnd", NULL);
	return 0;
}

int actport_open(struct actport **out, struct vpnd *d)
{
	struct actport *ap = calloc(1, sizeof(*ap));
	char err[ERR_LEN];
	int ret;

	*out = NULL;
	if (ap == NULL)
		return -ENOMEM;
	ap->d = d;
	ret = actkey_path(ap->path, sizeof(ap->path), d->conf.state_dir);
	if (ret < 0) {
		log_error("the activation key's path in %s is too long", d->conf.state_dir);
		goto fail;
	}
	ret = actkey_load(&ap->key, ap->path, err);
	if (ret == -ENOENT)
		ret = make_key(ap, err);
	if (ret < 0) {
		log_error("%s", err);
		goto fail;
	}
	ap->timer = loop_add_timer(d->loop, CLOCK_REALTIME, grace_cb, ap);
	if (ap->timer == NULL) {
		ret = -errno;
		goto fail;
	}
	/* A grace that ended while vpnd was down ends now. */
	arm(ap);
	*out = ap;
	return 0;
fail:
	actport_close(&ap);
	return ret;
}

void actport_close(struct actport **p)
{
	struct actport *ap = *p;

	if (ap == NULL)
		return;
	if (ap->timer != NULL && ap->d->loop != NULL)
		loop_remove(ap->d->loop, &ap->timer);
	sodium_memzero(ap, sizeof(*ap));
	free(ap);
	*p = NULL;
}

void actport_public_key(uint8_t pub[KEY_LEN], const struct actport *ap)
{
	memcpy(pub, ap->key.pk, KEY_LEN);
}

const uint8_t *actport_request_key(const struct actport *ap, unsigned idx)
{
	return actkey_public(&ap->key, idx, clock_wall());
}

void actport_child_keys(const struct actport *ap, struct actmsg_init *init)
{
	memcpy(init->act_sk, ap->key.sk, KEY_LEN);
	memset(init->prev_sk, 0, KEY_LEN);
	init->prev_until = 0;
	if (actkey_public(&ap->key, 1, clock_wall()) != NULL) {
		memcpy(init->prev_sk, ap->key.prev_sk, KEY_LEN);
		init->prev_until = (uint64_t)ap->key.prev_until;
	}
	if (ap->key.has_retired)
		memcpy(init->retired_pk, ap->key.retired_pk, KEY_LEN);
	else if (ap->key.has_prev)
		memcpy(init->retired_pk, ap->key.prev_pk, KEY_LEN); /* its grace is over */
	else
		memset(init->retired_pk, 0, KEY_LEN);
}

int actport_rotate(struct actport *ap, uint64_t grace, const char *by, char err[ERR_LEN])
{
	struct actkey next = ap->key;
	key_b64_t k, p;
	char until[32], g[32];
	int ret;

	actkey_rotate(&next, clock_wall(), grace);
	if (grace == 0)
		actkey_expire(&next, clock_wall());
	ret = actkey_save(&next, ap->path, true, err);
	if (ret < 0) {
		actkey_wipe(&next);
		return ret;
	}
	actkey_wipe(&ap->key);
	ap->key = next;
	actkey_wipe(&next);
	b64(k, ap->key.pk);
	b64(p, ap->key.has_prev ? ap->key.prev_pk : ap->key.retired_pk);
	clock_format_utc(until, sizeof(until),
			 ap->key.has_prev ? ap->key.prev_until : clock_wall());
	duration_format(g, sizeof(g), grace);
	audit_event("activation-key-rotated", "key", k, "previous", p, "grace", g, "until", until,
		    "by", by, NULL);
	arm(ap);
	return 0;
}

void actport_status_fields(const struct actport *ap, struct strbuf *o)
{
	char until[32];
	key_b64_t k;

	b64(k, ap->key.pk);
	ctl_add_field(o, "activation-key", k);
	if (actkey_public(&ap->key, 1, clock_wall()) != NULL) {
		b64(k, ap->key.prev_pk);
		clock_format_utc(until, sizeof(until), ap->key.prev_until);
		ctl_add_field(o, "activation-key-previous", k);
		ctl_add_field(o, "activation-key-previous-until", until);
	} else {
		ctl_add_field(o, "activation-key-previous", "-");
		ctl_add_field(o, "activation-key-previous-until", "-");
	}
}

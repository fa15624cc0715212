/* SPDX-License-Identifier: ISC */
/*
 * kg-wgtool bulk IF N M: N random peers with M allowed IPs each, set in one
 * wgipc_set_device call (replacing all peers), read back and compared. Large
 * devices are where a backend must split messages (kernel) or stream a
 * long reply (userspace).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/key.h"
#include "wgtool.h"

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Allowed IP j of peer i: unique over the whole device, v4 and v6 mixed. */
static void bulk_allowedip(struct wg_allowedip *a, unsigned long i, unsigned long j,
			   unsigned long m)
{
	uint32_t k = (uint32_t)(i * m + j);

	if (j % 2 == 0) {
		a->family = AF_INET;
		a->ip4.s_addr = htonl(0x0a000000U | (k & 0xffffffU));
		a->cidr = 32;
	} else {
		a->family = AF_INET6;
		memset(&a->ip6, 0, sizeof(a->ip6));
		a->ip6.s6_addr[0] = 0xfd;
		a->ip6.s6_addr[1] = 0x77;
		a->ip6.s6_addr[12] = (uint8_t)(k >> 24);
		a->ip6.s6_addr[13] = (uint8_t)(k >> 16);
		a->ip6.s6_addr[14] = (uint8_t)(k >> 8);
		a->ip6.s6_addr[15] = (uint8_t)k;
		a->cidr = 128;
	}
}

static bool allowedip_in(const struct wg_allowedip *a, const struct wg_allowedip *list)
{
	for (; list != NULL; list = list->next) {
		if (list->family == a->family && list->cidr == a->cidr &&
		    memcmp(&list->ip6, &a->ip6, a->family == AF_INET ? 4 : 16) == 0)
			return true;
	}
	return false;
}

static int bulk_compare(const struct wg_device *want, const struct wg_device *got)
{
	size_t nwant = 0, ngot = 0;

	for (const struct wg_peer *p = got->peers; p != NULL; p = p->next)
		ngot++;
	for (const struct wg_peer *w = want->peers; w != NULL; w = w->next) {
		const struct wg_peer *g = wg_device_find_peer(got, w->public_key);
		size_t nw = 0, ng = 0;

		nwant++;
		if (g == NULL) {
			fprintf(stderr, "kg-wgtool: bulk: peer %zu missing after set\n", nwant);
			return -1;
		}
		if (!key_equal(g->preshared_key, w->preshared_key)) {
			fprintf(stderr, "kg-wgtool: bulk: peer %zu has another preshared key\n",
				nwant);
			return -1;
		}
		for (const struct wg_allowedip *a = w->allowedips; a != NULL; a = a->next) {
			nw++;
			if (!allowedip_in(a, g->allowedips)) {
				fprintf(stderr, "kg-wgtool: bulk: peer %zu lacks allowed IP %zu\n",
					nwant, nw);
				return -1;
			}
		}
		for (const struct wg_allowedip *a = g->allowedips; a != NULL; a = a->next)
			ng++;
		if (ng != nw) {
			fprintf(stderr, "kg-wgtool: bulk: peer %zu has %zu allowed IPs, not %zu\n",
				nwant, ng, nw);
			return -1;
		}
	}
	if (ngot != nwant) {
		fprintf(stderr, "kg-wgtool: bulk: device has %zu peers, not %zu\n", ngot, nwant);
		return -1;
	}
	return 0;
}

int bulk_main(const char *ifname, unsigned long n, unsigned long m)
{
	struct wg_device *want = calloc(1, sizeof(*want)), *got = NULL;
	struct wg_peer **tail;
	struct timespec t0;
	double set_ms, get_ms;
	char err[ERR_LEN];
	int ret = 1;

	if (want == NULL)
		goto fail;
	snprintf(want->name, sizeof(want->name), "%s", ifname);
	want->flags = WGDEV_REPLACE_PEERS;
	tail = &want->peers;
	for (unsigned long i = 0; i < n; i++) {
		struct wg_peer *p = calloc(1, sizeof(*p));
		struct wg_allowedip **atail;
		uint8_t sk[KEY_LEN];

		if (p == NULL)
			goto fail;
		*tail = p;
		tail = &p->next;
		key_generate_private(sk);
		key_public(p->public_key, sk);
		sodium_memzero(sk, sizeof(sk));
		key_generate_preshared(p->preshared_key);
		p->flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS;
		atail = &p->allowedips;
		for (unsigned long j = 0; j < m; j++) {
			*atail = calloc(1, sizeof(**atail));
			if (*atail == NULL)
				goto fail;
			bulk_allowedip(*atail, i, j, m);
			atail = &(*atail)->next;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (wgtool_set_device(want, err) < 0) {
		ret = wgtool_failed(err);
		goto fail;
	}
	set_ms = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (wgtool_get_device(&got, ifname, err) < 0) {
		ret = wgtool_failed(err);
		goto fail;
	}
	get_ms = ms_since(&t0);
	if (bulk_compare(want, got) < 0)
		goto fail;
	printf("bulk: %lu peers x %lu allowed IPs: set %.0f ms, get %.0f ms, identical\n", n, m,
	       set_ms, get_ms);
	ret = 0;
fail:
	wg_device_free(&want);
	wg_device_free(&got);
	return ret;
}

/* SPDX-License-Identifier: ISC */
/*
 * TEMPORARY: the error line and free functions of lib/wg.c, so that the
 * kernel backend links before lib/wg.c lands. Drop this file at merge.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "wg.h"

static _Thread_local char last_error[256];

const char *wg_last_error(void)
{
	return last_error;
}

void wg_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

void wg_device_free(struct wg_device **dev)
{
	struct wg_peer *p, *pn;
	struct wg_allowedip *a, *an;

	if (dev == NULL || *dev == NULL)
		return;
	for (p = (*dev)->peers; p != NULL; p = pn) {
		pn = p->next;
		for (a = p->allowedips; a != NULL; a = an) {
			an = a->next;
			free(a);
		}
		sodium_memzero(p, sizeof(*p));
		free(p);
	}
	sodium_memzero(*dev, sizeof(**dev));
	free(*dev);
	*dev = NULL;
}

struct wg_peer *wg_device_find_peer(const struct wg_device *dev, const uint8_t public_key[KEY_LEN])
{
	for (struct wg_peer *p = dev->peers; p != NULL; p = p->next) {
		if (sodium_memcmp(p->public_key, public_key, KEY_LEN) == 0)
			return p;
	}
	return NULL;
}

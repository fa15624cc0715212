/* SPDX-License-Identifier: ISC */
/*
 * Placeholder until vpnd's config reader (lib/config) and control client
 * (lib/ctl) exist: every call fails with one clear line.
 */
#include <errno.h>
#include <string.h>

#include "gateway.h"
#include "log.h"

int gateway_load(struct gateway *gw, const char *conf)
{
	memset(gw, 0, sizeof(*gw));
	log_error("%s: reading vpnd's config is not built yet", conf);
	return -ENOSYS;
}

int gateway_register(const struct gateway *gw, struct phone_peer *p)
{
	log_error("registering peer '%s' with vpnd is not built yet", p->name);
	return -ENOSYS;
}

int gateway_unregister(const struct gateway *gw, const char *name)
{
	return -ENOSYS;
}

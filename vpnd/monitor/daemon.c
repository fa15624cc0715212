/* SPDX-License-Identifier: ISC */
/* What any layer of the monitor does with the daemon's state (daemon.h). */
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "monitor/daemon.h"
#include "monitor/dbstore.h"
#include "proto/proto.h"

int daemon_save_registry(struct vpnd *d, char err[ERR_LEN])
{
	int ret;

	/* The store first: a change the other gateways cannot see is not
	 * made (the caller undoes it), and the files follow the store. */
	if (d->store != NULL && (ret = dbstore_push(d->store, d->reg, err)) < 0) {
		log_error("%s", err);
		return ret;
	}
	ret = registry_save(d->reg);
	if (ret < 0) {
		text_err(err, "cannot write the registry in %s: %s", d->reg->dir, strerror(-ret));
		log_error("%s", err);
	}
	return ret;
}

int daemon_store_ready(const struct vpnd *d)
{
	if (d->store != NULL && !dbstore_online(d->store))
		return PROTO_ERR_STORE_UNAVAILABLE;
	return PROTO_OK;
}

int daemon_store_counter(struct vpnd *d, const struct reg_owner *o, const struct reg_cred *c,
			 uint32_t count, const struct session *s)
{
	char err[ERR_LEN];
	bool won = false;
	int ret;

	if (d->store == NULL)
		return PROTO_OK;
	ret = dbstore_counter(d->store, o->name, c->id, count, s, &won, err);
	if (ret < 0) {
		log_error("key %s of '%s': %s", c->id, o->name, err);
		return PROTO_ERR_STORE_UNAVAILABLE;
	}
	if (!won) {
		log_warn("key %s of '%s': counter %u was taken on another gateway first", c->id,
			 o->name, count);
		return PROTO_ERR_COUNTER_REGRESSED;
	}
	return PROTO_OK;
}

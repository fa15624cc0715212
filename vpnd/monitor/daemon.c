/* SPDX-License-Identifier: ISC */
/* What any layer of the monitor does with the daemon's state (daemon.h). */
#include <string.h>

#include "base/log.h"
#include "monitor/daemon.h"

int daemon_save_registry(struct vpnd *d, char err[ERR_LEN])
{
	int ret = registry_save(d->reg);

	if (ret < 0) {
		text_err(err, "cannot write the registry in %s: %s", d->reg->dir, strerror(-ret));
		log_error("%s", err);
	}
	return ret;
}

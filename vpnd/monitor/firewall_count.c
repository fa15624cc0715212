/* SPDX-License-Identifier: ISC */
/* The table's drop counters (firewall_count.h); beside firewall_check.c. */
#include <string.h>

#include "monitor/firewall_count.h"
#include "monitor/firewall_live.h"

static const char *const chains[FIREWALL_COUNT_CHAINS] = {"input", "forward", "tunnel"};

int firewall_count_read(struct firewall *fw, struct firewall_count *c)
{
	struct firewall_live l;
	int ret;

	memset(c, 0, sizeof(*c));
	firewall_live_init(&l);
	ret = firewall_live_read(&l, &fw->nl);
	c->have_table = ret == 0 && l.have_table;
	for (size_t i = 0; ret == 0 && i < l.n_rules; i++) {
		const struct firewall_msg_rule *r = &l.rules[i];

		for (int k = 0; r->counted && k < FIREWALL_COUNT_CHAINS; k++) {
			if (strcmp(r->chain, chains[k]) != 0)
				continue;
			c->packets[k] += r->packets;
			c->bytes[k] += r->bytes;
		}
	}
	firewall_live_finish(&l);
	return ret;
}

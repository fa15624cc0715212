/* SPDX-License-Identifier: ISC */
/*
 * Is table inet keygate what it must be? `vpnd check` and vpnd's
 * once-a-second self-check read it back and name every difference: a
 * missing table, a missing or changed chain, rule, set or hook priority,
 * anything added to it.
 */
#ifndef KEYGATE_FIREWALL_CHECK_H
#define KEYGATE_FIREWALL_CHECK_H

#include "base/text.h"
#include "monitor/firewall.h"
#include "monitor/firewall_live.h"

#define FIREWALL_REPORT_LINES 16
#define FIREWALL_REPORT_LEN   192

struct firewall_report {
	int n; /* differences found; the first FIREWALL_REPORT_LINES named */
	char line[FIREWALL_REPORT_LINES][FIREWALL_REPORT_LEN];
};

/* Reads the table and compares: the number of differences (0: the table
 * is as it must be), or a negative errno (and err) when it cannot be read. */
int firewall_check(struct firewall *fw, struct firewall_report *report, char err[ERR_LEN]);
/* The comparison alone, on a table already read. */
int firewall_check_compare(const struct firewall_config *cfg, const struct firewall_live *l,
			   struct firewall_report *report);

#endif

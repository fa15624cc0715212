/* SPDX-License-Identifier: ISC */
/*
 * The audit trail: one line per event, key=value fields, on stderr (the
 * journal under systemd) and, when configured, appended to a file:
 *   audit event=session-open peer=laptop owner=alice by=admin uid=0 until=...
 * Values with spaces or quotes are quoted. Keys are never logged.
 */
#ifndef KEYGATE_AUDIT_H
#define KEYGATE_AUDIT_H

/* NULL or "" for stderr only; 0 or -errno when the file cannot be opened. */
int audit_open(const char *path);
/* What to add to audit_open's error err (-errno) so that the admin sees why
 * a file outside the unit's writable paths cannot be opened; "" when
 * nothing. */
const char *audit_hint(int err);
void audit_close(void);
/* Pairs of key, value, ending with NULL:
 *   audit_event("session-open", "peer", name, "by", "admin", NULL); */
void audit_event(const char *event, ...) __attribute__((sentinel));

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The mail table in MAIL_TABLE parts (common/mailmsg.h says why): the
 * monitor cuts a table into parts, the network child gathers them into
 * its struct mailmsg_table and swaps the new table in when the last has
 * come and the whole decodes.
 *
 * A part: the type byte, then big-endian the table's generation, the
 * part's index and the count of parts, then the table's next bytes, a full
 * MAILPART_DATA in every part but the last.
 */
#ifndef VPND_MAILPART_H
#define VPND_MAILPART_H

#include <stddef.h>
#include <stdint.h>

#include "common/mailmsg.h"

#define MAILPART_HEAD 13
#define MAILPART_DATA (MAILMSG_TABLE_MAX - MAILPART_HEAD)
#define MAILPART_MAX  ((MAILMSG_TABLE_TOTAL_MAX + MAILPART_DATA - 1) / MAILPART_DATA)

/* How many parts carry a table of len bytes (1 or more). */
uint32_t mailpart_count(size_t len);
/* Part i of the table (len bytes) for generation gen into out
 * (MAILMSG_TABLE_MAX bytes): its length. */
size_t mailpart_encode(uint8_t *out, uint32_t gen, uint32_t i, const uint8_t *table, size_t len);
/* One MAIL_TABLE part for t (zeroed, or decoded, at first): 1 when it was
 * the last and the new table is in force, 0 when kept for the rest,
 * -EBADMSG (or -ENOMEM) when it and the table it belongs to are dropped
 * (t->dropped counts them); the old table is left to the caller. */
int mailpart_add(struct mailmsg_table *t, const uint8_t *msg, size_t len);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * vpnd peer add --from FILE and --sheet DIR: many peers at once from a CSV
 * file (name,owner,kind), all or none, and a printable enrollment sheet
 * per peer (sheet.h). Above admin/sheet.c; beside admin/admin.c, which
 * hands peer add over when it sees --from or --sheet.
 */
#ifndef VPND_ADMIN_BULK_H
#define VPND_ADMIN_BULK_H

#include <stdbool.h>

/* Whether argv (after "peer add") asks for bulk_main. */
bool bulk_wanted(int argc, char **argv);
/* argv[0] is the program's name for messages; exit code 0, 1 or 2. */
int bulk_main(int argc, char **argv);

#endif

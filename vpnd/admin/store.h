/* SPDX-License-Identifier: ISC */
/* vpnd store migrate, import, export: the PostgreSQL store of [Store]
 * (docs/store.md), worked on directly, not through the daemon. */
#ifndef VPND_STORE_H
#define VPND_STORE_H

int store_main(int argc, char **argv);

#endif

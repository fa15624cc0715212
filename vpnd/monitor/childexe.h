/* SPDX-License-Identifier: ISC */
/*
 * The network child's executable, vpnd-net (docs/privsep.md): next to
 * vpnd's own executable when it is there (a build tree, a test's copy),
 * else where it is installed (LIBEXECDIR/keygate/vpnd-net). Opened once at
 * start and exec'd through the descriptor, so a package upgrade that
 * replaces the file while vpnd runs changes no restarted child.
 */
#ifndef VPND_CHILDEXE_H
#define VPND_CHILDEXE_H

#include "base/text.h"

/* An O_PATH descriptor, or -errno with err naming the file. A file that is
 * not a regular executable, not root's, or writable by anyone but root is
 * refused: the child it runs is handed the activation key. */
int childexe_open(char err[ERR_LEN]);

#endif

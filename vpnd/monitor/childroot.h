/* SPDX-License-Identifier: ISC */
/*
 * The network child's whole world: STATE_DIR/empty, an empty directory
 * owned by root, mode 0555, that the child chroots into (docs/privsep.md).
 */
#ifndef VPND_CHILDROOT_H
#define VPND_CHILDROOT_H

/* Makes it if missing and opens it: the descriptor, or -errno; one that
 * is not vpnd's, cannot be made 0555 or is not empty is refused with a
 * line of its own. */
int childroot_open(const char *state_dir);

#endif

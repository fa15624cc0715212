/* SPDX-License-Identifier: ISC */
/* vpnd-net, the network child: started by vpnd run only, never by people
 * (docs/privsep.md). */
#ifndef VPND_NETCHILD_H
#define VPND_NETCHILD_H

int netchild_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: ISC */
/* vpnd peer, owner, key, session, status: requests to the running daemon over its control socket.
 */
#ifndef VPND_ADMIN_H
#define VPND_ADMIN_H

int admin_main(int argc, char **argv);

#endif

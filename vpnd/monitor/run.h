/* SPDX-License-Identifier: ISC */
/* vpnd run: the gateway in the foreground, the top of the monitor's layers (daemon.h). */
#ifndef VPND_RUN_H
#define VPND_RUN_H

int run_main(int argc, char **argv);

#endif

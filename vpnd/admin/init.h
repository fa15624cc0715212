/* SPDX-License-Identifier: ISC */
/* vpnd init: a config and the gateway key. */
#ifndef VPND_INIT_H
#define VPND_INIT_H

int init_main(int argc, char **argv);

#endif

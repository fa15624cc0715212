/* SPDX-License-Identifier: ISC */
/* vpnd check: the exposure check of the mail ports (exposure.h). */
#ifndef VPND_CHECK_H
#define VPND_CHECK_H

int check_main(int argc, char **argv);

#endif

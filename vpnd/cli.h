/* SPDX-License-Identifier: ISC */
/* The program's subcommands, and the admin client shared by them. */
#ifndef VPND_CLI_H
#define VPND_CLI_H

#include <stdio.h>

int init_main(int argc, char **argv);
int run_main(int argc, char **argv);
/* peer, owner, key, session, status: requests to the running daemon. */
int admin_main(int argc, char **argv);
/* `vpnd check`: the exposure check of the mail ports (exposure.h). */
int check_main(int argc, char **argv);
/* netchild/netchild.c: started by `vpnd run` only, never by people. */
int netchild_main(int argc, char **argv);
/* `vpnd peer` etc. without a known subcommand word: usage for that group. */
void admin_usage(FILE *f, const char *group);

#endif

/* SPDX-License-Identifier: ISC */
/* enroll's subcommands, one file each, for the table in main.c. */
#ifndef KEYGATE_ENROLL_CLI_H
#define KEYGATE_ENROLL_CLI_H

int register_main(int argc, char **argv);
int up_main(int argc, char **argv);
int down_main(int argc, char **argv);
int status_main(int argc, char **argv);
int activate_main(int argc, char **argv);
int addkey_main(int argc, char **argv);
int watch_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * `vpnd check` as a program of its own, for the tests, until vpnd's
 * subcommand table (where check_main belongs) is on main.
 */
#include "check.h"
#include "log.h"

int main(int argc, char **argv)
{
	log_init("vpnd", LOGL_INFO);
	return check_main(argc, argv);
}

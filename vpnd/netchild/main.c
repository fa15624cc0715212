/* SPDX-License-Identifier: ISC */
/*
 * vpnd-net, the network child's own executable (docs/privsep.md). Only the
 * monitor runs it. An executable apart from vpnd so that the privileged
 * monitor neither maps nor initializes what only the child needs: the web
 * page's HTTP server and its TLS stack.
 */
#include "netchild/netchild.h"

int main(int argc, char **argv)
{
	return netchild_main(argc, argv);
}

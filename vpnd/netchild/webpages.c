/* SPDX-License-Identifier: ISC */
/* The web page's files (webpages.h). */
#include <string.h>

#include "netchild/webpages.h"

const struct webpage *webpages_find(const char *path)
{
	if (strcmp(path, "/index.html") == 0)
		path = "/";
	for (const struct webpage *p = webpages_table; p->path != NULL; p++)
		if (strcmp(p->path, path) == 0)
			return p;
	return NULL;
}

/* SPDX-License-Identifier: ISC */
/*
 * The web page's files (share/web), built into vpnd by
 * scripts/embed-web.py: the network child serves them from memory.
 */
#ifndef VPND_WEBPAGES_H
#define VPND_WEBPAGES_H

#include <stddef.h>

struct webpage {
	const char *path; /* what it is served at: "/", "/register", ... */
	const char *type;
	const unsigned char *data;
	size_t len;
};

/* The generated table, ended by a row with a NULL path. */
extern const struct webpage webpages_table[];

/* The page at path, NULL for none; "/index.html" is "/". */
const struct webpage *webpages_find(const char *path);

#endif

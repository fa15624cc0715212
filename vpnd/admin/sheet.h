/* SPDX-License-Identifier: ISC */
/*
 * An enrollment sheet: one A4 page (SVG) per peer to hand to its owner in
 * person or on paper, with the owner's name, the one-time link as text and
 * as a QR code, and three lines that say what to do with it. The link is a
 * secret until used: whoever holds the page can enroll a key.
 */
#ifndef VPND_ADMIN_SHEET_H
#define VPND_ADMIN_SHEET_H

#include <stdbool.h>

#include "base/strbuf.h"
#include "base/text.h"

/* The page for peer of owner into out; mobile picks the phone's three
 * lines. -EMSGSIZE (err says so) when the link is too long for a QR code,
 * -ENOMEM. */
int sheet_svg(struct strbuf *out, const char *owner, const char *peer, const char *link,
	      bool mobile, char err[ERR_LEN]);

#endif

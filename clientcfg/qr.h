/* SPDX-License-Identifier: ISC */
/* QR symbols of a config's text. The modules spell the private key, so
 * qr_finish wipes them. */
#ifndef CLIENTCFG_QR_H
#define CLIENTCFG_QR_H

#include <qrencode.h>

/* A QR symbol as a square of modules. */
struct qr {
	int size; /* modules per side, without a quiet zone */
	int version;
	QRecLevel level;
	unsigned char *dark; /* size * size bytes, row by row, 1 = dark */
};

/*
 * Encodes text at the most robust level from `best` down to `worst` whose
 * symbol is at most max_size modules wide (0: any size). -EMSGSIZE when
 * none fits, with q->size set to the smallest size found (0 when the
 * text is too long for any QR code).
 */
int qr_encode(struct qr *q, const char *text, QRecLevel best, QRecLevel worst, int max_size);
void qr_finish(struct qr *q);

#endif

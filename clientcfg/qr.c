/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "qr.h"

static void code_free(QRcode *code)
{
	if (code == NULL)
		return;
	/* The modules spell the private key. */
	sodium_memzero(code->data, (size_t)code->width * (size_t)code->width);
	QRcode_free(code);
}

int qr_encode(struct qr *q, const char *text, QRecLevel best, QRecLevel worst, int max_size)
{
	QRcode *code = NULL;
	int level;

	memset(q, 0, sizeof(*q));
	for (level = (int)best; level >= (int)worst; level--) {
		/* Version 0: the smallest symbol that holds the text; the
		 * encoder mixes modes, 8-bit where it must. */
		errno = 0;
		code = QRcode_encodeString(text, 0, (QRecLevel)level, QR_MODE_8, 1);
		if (code == NULL)
			return errno == ERANGE ? -EMSGSIZE : -(errno != 0 ? errno : ENOMEM);
		if (max_size == 0 || code->width <= max_size)
			break;
		q->size = code->width;
		code_free(code);
		code = NULL;
	}
	if (code == NULL)
		return -EMSGSIZE;
	q->dark = malloc((size_t)code->width * (size_t)code->width);
	if (q->dark == NULL) {
		code_free(code);
		return -ENOMEM;
	}
	q->size = code->width;
	q->version = code->version;
	q->level = (QRecLevel)level;
	for (size_t i = 0; i < (size_t)code->width * (size_t)code->width; i++)
		q->dark[i] = code->data[i] & 1;
	code_free(code);
	return 0;
}

void qr_finish(struct qr *q)
{
	if (q->dark != NULL)
		sodium_memzero(q->dark, (size_t)q->size * (size_t)q->size);
	free(q->dark);
	memset(q, 0, sizeof(*q));
}

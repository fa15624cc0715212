/* SPDX-License-Identifier: ISC */
/*
 * A CBOR writer into a fixed buffer. The caller writes map entries in CTAP2
 * canonical order itself (integer keys ascending, positive before negative;
 * text keys by length, then bytes). Overflow is sticky: check cbw_ok() once
 * at the end.
 */
#ifndef SOFTKEY_CBOR_WRITE_H
#define SOFTKEY_CBOR_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cbw {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

void cbw_init(struct cbw *w, uint8_t *buf, size_t cap);
bool cbw_ok(const struct cbw *w);
void cbw_int(struct cbw *w, int64_t v);
void cbw_bytes(struct cbw *w, const uint8_t *p, size_t len);
void cbw_text(struct cbw *w, const char *s);
void cbw_bool(struct cbw *w, bool v);
void cbw_map(struct cbw *w, size_t n);
void cbw_array(struct cbw *w, size_t n);
/* Raw bytes (a nested item encoded elsewhere). */
void cbw_raw(struct cbw *w, const uint8_t *p, size_t len);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * softkey as a USB security key seen by the kernel (uhid.c): a HID device
 * made through /dev/uhid with the FIDO usage page (0xF1D0) and 64-byte
 * reports, so that libfido2 finds it by enumeration and opens its hidraw
 * node like any key plugged in. Closing it (or killing softkey) is pulling
 * the key out.
 */
#ifndef SOFTKEY_UHID_H
#define SOFTKEY_UHID_H

#include <signal.h>
#include <stdint.h>

#include "base/text.h"
#include "softkey.h"

struct uhid_dev {
	int fd;
	struct softkey *sk;
	volatile sig_atomic_t *stopping;
};

/* Makes the device NAME (its HID name and uniq string); 0, or -errno with
 * err saying why (no /dev/uhid: the module is not loaded). */
int uhid_create(struct uhid_dev *u, struct softkey *sk, const char *name, uint16_t product,
		volatile sig_atomic_t *stopping, char err[ERR_LEN]);
/* Answers reports until *stopping; 0 or -errno. */
int uhid_serve(struct uhid_dev *u);
/* Unplugs the device. */
void uhid_destroy(struct uhid_dev *u);

#endif

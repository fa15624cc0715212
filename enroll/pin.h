/* SPDX-License-Identifier: ISC */
/* The security key's PIN (pin.c). */
#ifndef KEYGATE_ENROLL_PIN_H
#define KEYGATE_ENROLL_PIN_H

#define ENROLL_PIN_MAX 64

struct enroll_opts;

/* The PIN from --pin-fd (one line) or the terminal with echo off; never
 * from argv or the environment. 0, or -errno after a message on stderr. */
int pin_read(char pin[ENROLL_PIN_MAX + 1], const struct enroll_opts *o, const char *what);
/* The same, but -ENOTTY without a message when there is no terminal. */
int pin_read_quiet(char pin[ENROLL_PIN_MAX + 1], const struct enroll_opts *o, const char *what);

#endif

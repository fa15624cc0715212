/* SPDX-License-Identifier: ISC */
/*
 * The PIN: one line from --pin-fd, or typed at the terminal with echo off.
 * Never from argv or the environment, where other users and logs see it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "enroll.h"
#include "pin.h"

/* Reads up to a newline; 0, or -EINVAL for an empty or too long line. */
static int read_line(int fd, char pin[ENROLL_PIN_MAX + 1])
{
	size_t n = 0;
	char ch;

	for (;;) {
		ssize_t r = read(fd, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n == ENROLL_PIN_MAX) {
			sodium_memzero(pin, ENROLL_PIN_MAX + 1);
			return -EINVAL;
		}
		pin[n++] = ch;
	}
	if (n > 0 && pin[n - 1] == '\r')
		n--;
	pin[n] = '\0';
	return n > 0 ? 0 : -EINVAL;
}

int pin_read(char pin[ENROLL_PIN_MAX + 1], const struct enroll_opts *o, const char *what)
{
	int r = pin_read_quiet(pin, o, what);

	if (r == -ENOTTY)
		fprintf(stderr, "enroll: the security key needs its PIN: no terminal to ask on; "
				"use --pin-fd N\n");
	return r;
}

int pin_read_quiet(char pin[ENROLL_PIN_MAX + 1], const struct enroll_opts *o, const char *what)
{
	struct termios old, quiet;
	int fd, r;

	if (o->pin_fd >= 0) {
		r = read_line(o->pin_fd, pin);
		if (r < 0) {
			fprintf(stderr,
				"enroll: no PIN on file descriptor %d (one line, 1-%d "
				"characters)\n",
				o->pin_fd, ENROLL_PIN_MAX);
			return r;
		}
		return 0;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		return -ENOTTY;
	}
	dprintf(fd, "PIN for %s: ", what);
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		fprintf(stderr, "enroll: cannot turn the terminal's echo off\n");
		return -EIO;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tcsetattr(fd, TCSAFLUSH, &quiet);
	r = read_line(fd, pin);
	tcsetattr(fd, TCSAFLUSH, &old);
	dprintf(fd, "\n");
	close(fd);
	if (r < 0) {
		fprintf(stderr, "enroll: no PIN given\n");
		return r;
	}
	return 0;
}

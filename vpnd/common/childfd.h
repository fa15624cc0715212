/* SPDX-License-Identifier: ISC */
/*
 * The network child's descriptors, by number: the monitor puts each in its
 * place before the exec (monitor/privsep.c), the child finds it there
 * (netchild/netchild.c). A listener that is off is simply not open. The
 * TCP listeners come last and in a row: the sandbox lets the child accept,
 * send and receive on any descriptor from CHILDFD_TCP_FIRST up, which are
 * those listeners and their connections (docs/privsep.md).
 */
#ifndef VPND_CHILDFD_H
#define VPND_CHILDFD_H

enum childfd {
	CHILDFD_MON = 3,    /* the monitor's socket */
	CHILDFD_UDP = 4,    /* the activation port */
	CHILDFD_DIR = 5,    /* the empty directory it chroots into */
	CHILDFD_EXE = 6,    /* vpnd itself, to exec (closed by the exec) */
	CHILDFD_WEB = 7,    /* [Web] Listen */
	CHILDFD_MAIL = 8,   /* [Mail] DovecotPolicy */
	CHILDFD_SMTP = 9,   /* [Mail] PostfixPolicy */
	CHILDFD_STATS = 10, /* [Metrics] Listen */
	CHILDFD_END,
	CHILDFD_TCP_FIRST = CHILDFD_WEB,
};

#endif

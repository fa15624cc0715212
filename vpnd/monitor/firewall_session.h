/* SPDX-License-Identifier: ISC */
/*
 * Sessions in keygate's table (firewall.h): each live session's tunnel
 * addresses in a window set, with the kernel timeout of what is left of
 * the window, and in the idle set while its idle timeout has not run out.
 * Opening, extending, ending, revoking: each one transaction, at once.
 */
#ifndef KEYGATE_FIREWALL_SESSION_H
#define KEYGATE_FIREWALL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/text.h"
#include "monitor/firewall.h"

/* One session as the kernel must see it. */
struct firewall_session {
	const struct ipaddr *addrs; /* its tunnel addresses, each a host */
	size_t n_addrs;
	uint64_t window_ns;    /* what is left of the window; > 0 */
	uint64_t idle_ns;      /* the idle timeout each packet restarts; 0: off */
	uint64_t idle_left_ns; /* what is left of it now; 0: all of idle_ns */
};

/* Reconcile leaves the idle sets as the kernel kept them: elements present
 * keep their count, and sessions whose element ran out stay without one
 * (their idle timeout passed while nobody watched). Use it when the table
 * survived (firewall_check found no difference); without it every listed
 * session's idle element is set afresh. */
#define FIREWALL_SESSION_KEEP_IDLE 0x1u

/* Puts a session's addresses into the window set of its idle value
 * (timeout window_ns) and, when idle is on, into the idle set (timeout
 * idle_left_ns or idle_ns), replacing what was there, in one transaction. */
int firewall_session_add(struct firewall *fw, const struct firewall_session *s, char err[ERR_LEN]);
/* Takes addresses out of the window sets and the idle set, in one
 * transaction; an address already gone is no error. */
int firewall_session_del(struct firewall *fw, const struct ipaddr *addrs, size_t n,
			 char err[ERR_LEN]);
/* 1 while the address is in its idle set, 0 once it is gone (or never was),
 * a negative errno when the kernel cannot be asked. */
int firewall_session_idle_alive(struct firewall *fw, const struct ipaddr *addr);
/* The same, and what the kernel's idle timeout has left in *left_ns (0
 * when gone): when to look again, if the element is still there. The
 * element of each address counts its own packets: a dual-stack session
 * used over one family only keeps that family's element alive. */
int firewall_session_idle_left(struct firewall *fw, const struct ipaddr *addr, uint64_t *left_ns);
/* Makes the window sets exactly the listed sessions, with their timeouts,
 * and (see FIREWALL_SESSION_KEEP_IDLE) the idle sets, in one transaction. */
int firewall_session_reconcile(struct firewall *fw, const struct firewall_session *s, size_t n,
			       unsigned flags, char err[ERR_LEN]);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * The second wall: vpnd's own nftables table (family inet, name keygate),
 * written over netlink. It keeps the mail ports to the tunnel and loopback,
 * and lets tunnel traffic pass only from addresses whose window is open and
 * whose idle timeout has not run out. Both run out in the kernel, with no
 * help from vpnd, so the table stays in place when vpnd stops; nothing here
 * removes it except firewall_remove.
 *
 *   table inet keygate {
 *     set mailports { type inet_service; flags constant; elements = { 110, ... } }
 *     set window4_off { type ipv4_addr; flags timeout; }      (and window6_off)
 *     set idle4 { type ipv4_addr; flags dynamic,timeout; }    (and idle6)
 *     set window4_1800s { type ipv4_addr; flags timeout; }    (and window6_1800s)
 *     chain idle {
 *       ip saddr @window4_1800s ip saddr @idle4 update @idle4 { ip saddr timeout 30m } accept
 *       ip6 saddr @window6_1800s ip6 saddr @idle6 update @idle6 { ip6 saddr timeout 30m } accept }
 *     chain tunnel {
 *       ip saddr @window4_off accept
 *       ip6 saddr @window6_off accept
 *       jump idle
 *       counter drop }
 *     chain input { type filter hook input priority -310; policy accept;
 *       iifname "wg0" goto tunnel
 *       iif "lo" accept
 *       tcp dport @mailports counter drop }
 *     chain forward { type filter hook forward priority -310; policy accept;
 *       iifname "wg0" goto tunnel
 *       tcp dport @mailports counter drop }
 *   }
 *
 * The window sets: each live session's tunnel addresses, each element with
 * the kernel timeout of what is left of the session's window, in the set of
 * the session's idle timeout: window4_off when it has none, window4_<N>s
 * for an idle timeout of N seconds (the pair and its two rules in chain
 * idle are made on demand, the first time a session with that value comes;
 * there are as many as distinct idle values in use, a handful). An address
 * is in one window set at most; one in none falls to the drop.
 *
 * Why a pair of sets per idle value: the timeout a packet sets when it
 * refreshes an idle element is fixed in the rule (dynset's timeout), not in
 * the element, and peers have different idle timeouts (a peer's or an
 * owner's override). So the packet must reach the rule of its idle value.
 * A verdict map (address : goto idle_<N>s) would do it in one lookup, but
 * the kernel checks every jump and goto in a map for loops at each commit
 * that adds one: adding a session then walks every element, 60 ns each
 * (1.3 ms per session at 20,000 sessions, measured); with plain sets it is
 * 15 us whatever their size. The price is a lookup per idle value in use
 * on the packet path, a few. One idle set per family serves all values:
 * the rule carries the timeout, and idle_alive and reconcile have one
 * place to look. The rule looks the address up before it updates it:
 * `update` alone would put back an element that had run out. A set that a
 * rule updates is capped by the kernel at 65535 elements unless made with a
 * size; that is the most sessions per address family with an idle timeout
 * (the window sets have no cap). A larger size costs kernel memory up front
 * (the hash is sized for it), so the default stays.
 *
 * The hook priority, -310 (raw - 10), and how other firewalls compose with
 * this table: netfilter runs every base chain registered on a hook, in
 * priority order, whatever the table or family, and also iptables' tables
 * (legacy or nft). An accept ends only the chain that says it; the packet
 * goes on to the next base chain. A drop anywhere is final. So another
 * firewall cannot accept mail traffic past our drop, whatever its priority,
 * and our accepts (loopback, an open window) grant nothing another firewall
 * refuses: this table can only take away. What can still skip a later base
 * chain is a verdict that takes the packet out of the hook: NF_STOLEN (IPVS
 * steals the packets it balances at priority 98 and 99 on input), a queue to
 * userspace answered with NF_STOP, or source NAT on input (priority 100)
 * rewriting the address we match. Running at -310 puts this table ahead of
 * all of those and of every common firewall: iptables' raw (-300), mangle
 * (-150), filter (0) and security (50), firewalld (raw + 10, filter + 10),
 * the distributions' nftables.conf (filter, 0). Only a chain an admin puts
 * below -310 on input or forward runs first, and only a steal or queue there
 * could bypass us. On input and forward no conntrack or defrag hook runs
 * before -310 (they run in prerouting), so the packet we see is whole and
 * already destination-NATed: a port redirected to 993 is seen as 993.
 * Forwarded flows offloaded to a flowtable skip the forward hook; a
 * flowtable on the tunnel interface would bypass the window for forwarded
 * traffic (not for the gateway's own mail server, on input).
 *
 * The wall on forward knows ports, not servers: a gateway that also routes
 * a LAN stops that LAN's mail to any server through it too (a laptop
 * submitting to its provider on 587). The tunnel's own traffic is all
 * gated, mail or not; the peer is off the interface outside its window
 * anyway, so this only closes what the first wall already closes.
 */
#ifndef KEYGATE_FIREWALL_H
#define KEYGATE_FIREWALL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ipaddr.h"
#include "base/text.h"
#include "monitor/firewall_nl.h"

#define FIREWALL_TABLE     "keygate"
#define FIREWALL_PRIORITY  (-310)
#define FIREWALL_MAX_PORTS 16
#define FIREWALL_MAX_NETS  8
/* Idle timeouts are whole seconds: the kernel keeps a rule's timeout in
 * jiffies, and only whole seconds read back the same for every HZ. */
#define FIREWALL_MAX_IDLE_S (366u * 86400u)

struct firewall_config {
	char ifname[IFNAMSIZ]; /* the tunnel interface, matched by name */
	uint16_t mail_ports[FIREWALL_MAX_PORTS];
	int n_mail_ports;
	/* The tunnel networks: session addresses must lie in one (none: any). */
	struct ipaddr nets[FIREWALL_MAX_NETS];
	int n_nets;
};

struct firewall {
	struct firewall_config cfg;
	struct firewall_nl nl;
};

/* The configuration with the default mail ports (110, 143, 465, 587, 993,
 * 995) and no networks; -EINVAL (and err) for a bad interface name. */
int firewall_config_init(struct firewall_config *cfg, const char *ifname, char err[ERR_LEN]);

/* A handle on the table of the current network namespace: opens the
 * netlink socket, changes nothing in the kernel. */
int firewall_create(struct firewall **out, const struct firewall_config *cfg, char err[ERR_LEN]);
/* Closes the socket; the table stays. NULL-safe; *fw = NULL. */
void firewall_destroy(struct firewall **fw);

/* Replaces the table with a fresh one in one transaction: the old table (if
 * any) goes and the new one comes in the same commit, so no packet ever
 * sees half a table or none. The sets start empty. */
int firewall_install(struct firewall *fw, char err[ERR_LEN]);
/* Deletes the table if it is there (tests, an explicit uninstall). */
int firewall_remove(struct firewall *fw, char err[ERR_LEN]);

/* The network namespace's nf_tables generation: it changes with every
 * transaction committed to any table (ours too), not with what packets do
 * to dynamic sets. Equal to a value read before a clean firewall_check,
 * nothing has changed since: vpnd's self-check skips the full read then.
 * 0 or -errno. */
int firewall_generation(struct firewall *fw, uint32_t *gen);

/* One line in err for ret (a negative errno) of an nf_tables operation,
 * naming `what`; returns ret. Shared by the firewall's modules. */
int firewall_error(char err[ERR_LEN], int ret, const char *what);

#endif

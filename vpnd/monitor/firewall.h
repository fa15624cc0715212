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
 *     map window4 { type ipv4_addr : verdict; flags timeout; }  (and window6)
 *     set idle4 { type ipv4_addr; flags dynamic,timeout; }      (and idle6)
 *     chain input { type filter hook input priority -310; policy accept;
 *       iifname "wg0" goto tunnel
 *       iif "lo" accept
 *       tcp dport @mailports counter drop }
 *     chain forward { type filter hook forward priority -310; policy accept;
 *       iifname "wg0" goto tunnel
 *       tcp dport @mailports counter drop }
 *     chain tunnel {
 *       ip saddr vmap @window4
 *       ip6 saddr vmap @window6
 *       counter drop }
 *     chain idle_1800s {
 *       ip saddr @idle4 update @idle4 { ip saddr timeout 1800s } accept
 *       ip6 saddr @idle6 update @idle6 { ip6 saddr timeout 1800s } accept
 *       counter drop }
 *   }
 *
 * Why a window *map*: each element of window4 is a session's address with
 * the kernel timeout of what is left of its window, and its value says how
 * the address's idleness is kept: `goto idle_<N>s` for an idle timeout of N
 * seconds, `accept` when idle is off. The packet path pays one lookup to
 * learn both whether the window is open and which idle rule applies; an
 * address missing from the map (never added, or its window over) falls to
 * the drop.
 *
 * Why one idle set and a chain per idle value: the timeout a packet sets
 * when it refreshes an element is fixed in the rule (dynset's timeout), not
 * in the element, and peers have different idle timeouts (a peer's or an
 * owner's override). One set per family keeps idle_alive and reconcile to
 * one place to look; a small chain per distinct value (made on demand, the
 * first time a session with that value is added) holds the rule with that
 * timeout. There are as many chains as distinct idle values in use, a
 * handful. The rule looks the address up before it updates it: `update`
 * alone would put back an element that had run out.
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
/* Distinct idle values remembered as having a chain; more are looked up. */
#define FIREWALL_CLASS_CACHE 32

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
	uint32_t classes[FIREWALL_CLASS_CACHE]; /* idle seconds with a chain */
	int n_classes;
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

/* One line in err for ret (a negative errno) of an nf_tables operation,
 * naming `what`; returns ret. Shared by the firewall's modules. */
int firewall_error(char err[ERR_LEN], int ret, const char *what);

#endif

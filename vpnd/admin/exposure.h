/* SPDX-License-Identifier: ISC */
/*
 * The exposure check: which TCP listeners of this host serve a mail port
 * (IMAP, POP3, or a port the admin names) on an address that is not a
 * tunnel address. Such a listener bypasses the whole point of keygate: the
 * mail server must be reachable only through an activated WireGuard peer.
 *
 * Listeners come from sock_diag netlink (the interface ss(8) uses) and,
 * where that is unavailable, from /proc/net/tcp and /proc/net/tcp6. Both
 * see the network namespace of the caller only.
 *
 * Loopback listeners (127.0.0.0/8, ::1) count as safe: nothing outside the
 * host reaches them, and a webmail or a filter on the same host may need
 * them. Wildcards (0.0.0.0, ::) and every other specific address count as
 * exposed unless they equal one of the tunnel addresses.
 */
#ifndef KEYGATE_EXPOSURE_H
#define KEYGATE_EXPOSURE_H

#include <stddef.h>
#include <stdint.h>

#define EXPOSURE_PROC_LEN  16 /* TASK_COMM_LEN */
#define EXPOSURE_MAX_PORTS 64

/* A host address; IPv4 sits in the first 4 bytes, network byte order. */
struct exposure_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct exposure_listener {
	struct exposure_addr local;
	uint16_t port;
	uint32_t inode;               /* socket inode, 0 when unknown */
	char proc[EXPOSURE_PROC_LEN]; /* owning process (comm), "" when unknown */
};

struct exposure_list {
	struct exposure_listener *items;
	size_t count, cap;
};

/* IMAP 143, IMAPS 993, POP3 110, POP3S 995. */
extern const uint16_t exposure_mail_ports[4];

void exposure_list_finish(struct exposure_list *l);
int exposure_list_add(struct exposure_list *l, const struct exposure_listener *e);

/*
 * Every listening TCP socket of this network namespace: sock_diag first,
 * /proc/net/tcp{,6} when the netlink socket cannot be used. Appends to out.
 */
int exposure_read(struct exposure_list *out);
int exposure_read_diag(struct exposure_list *out);
int exposure_read_procnet(struct exposure_list *out, const char *tcp_path, const char *tcp6_path);

/*
 * Parsers of kernel bytes, public for tests and the fuzz target.
 * exposure_parse_diag takes one datagram of sock_diag replies; it returns
 * 1 after NLMSG_DONE, 0 when more datagrams follow, -errno on an error
 * message or malformed bytes. exposure_parse_procnet_line takes one line of
 * /proc/net/tcp (family AF_INET) or tcp6 (AF_INET6); it returns 1 and fills
 * *e for a listener, 0 for any other line, -EINVAL when malformed.
 */
int exposure_parse_diag(const void *buf, size_t len, struct exposure_list *out);
int exposure_parse_procnet_line(const char *line, int family, struct exposure_listener *e);

/* Fills in the owning process names by scanning PROCROOT/<pid>/fd. Best effort. */
void exposure_name_owners(struct exposure_list *l, const char *procroot);

/* "10.77.0.1", "fd77::1" or with a "/prefix", which is ignored. */
int exposure_addr_parse(const char *s, struct exposure_addr *a);
/* "0.0.0.0:143" or "[::]:993". */
void exposure_format_endpoint(const struct exposure_listener *l, char *buf, size_t len);

enum exposure_verdict {
	EXPOSURE_NOT_MAIL = 0, /* not on a mail port: none of our business */
	EXPOSURE_TUNNEL,       /* on a tunnel address only */
	EXPOSURE_LOOPBACK,     /* on loopback only */
	EXPOSURE_EXPOSED,      /* reachable without the tunnel */
};

enum exposure_verdict exposure_classify(const struct exposure_listener *l,
					const struct exposure_addr *tunnel, size_t ntunnel,
					const uint16_t *ports, size_t nports);

/* Appends to exposed every listener of all that classifies as EXPOSED. */
int exposure_find(const struct exposure_list *all, const struct exposure_addr *tunnel,
		  size_t ntunnel, const uint16_t *ports, size_t nports,
		  struct exposure_list *exposed);

/*
 * One line for a person: what listens where and what to change, e.g.
 * "dovecot listens on 0.0.0.0:143; set listen = 10.77.0.1".
 */
void exposure_describe(const struct exposure_listener *l, const struct exposure_addr *tunnel,
		       size_t ntunnel, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: ISC */
/*
 * Reading the host's listening TCP sockets: sock_diag netlink, or
 * /proc/net/tcp{,6} as a fallback, and the owning process names from
 * /proc/<pid>/fd. Everything the kernel hands us is length-checked: the
 * parsers are fuzzed (tests/fuzz/fuzz_inetdiag.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "admin/exposure.h"
#include "base/log.h"

/* TCP_LISTEN from the kernel's tcp_states.h, which is not a uapi header. */
#define KG_TCP_LISTEN 10
/* Dumps come in skbs of up to 32 KiB; a smaller buffer truncates them. */
#define DIAG_BUF_SIZE    32768
#define PROCNET_MAX_LINE 512

const uint16_t exposure_mail_ports[4] = {143, 993, 110, 995};

void exposure_list_finish(struct exposure_list *l)
{
	if (l == NULL)
		return;
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

int exposure_list_add(struct exposure_list *l, const struct exposure_listener *e)
{
	if (l->count == l->cap) {
		size_t cap = l->cap == 0 ? 16 : l->cap * 2;
		struct exposure_listener *n;

		if (cap > SIZE_MAX / sizeof(*n) / 2)
			return -ENOMEM;
		n = realloc(l->items, cap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		l->items = n;
		l->cap = cap;
	}
	l->items[l->count++] = *e;
	return 0;
}

/* One SOCK_DIAG_BY_FAMILY message: an inet_diag_msg, then attributes we do not ask for. */
static int diag_msg(const uint8_t *payload, size_t len, struct exposure_list *out)
{
	struct exposure_listener e = {0};
	struct inet_diag_msg m;

	if (len < sizeof(m))
		return -EBADMSG;
	/* A copy: the payload of a fuzzed or odd buffer need not be aligned. */
	memcpy(&m, payload, sizeof(m));
	if (m.idiag_state != KG_TCP_LISTEN)
		return 0;
	if (m.idiag_family == AF_INET)
		memcpy(e.local.addr, m.id.idiag_src, 4);
	else if (m.idiag_family == AF_INET6)
		memcpy(e.local.addr, m.id.idiag_src, 16);
	else
		return -EAFNOSUPPORT;
	e.local.family = m.idiag_family;
	e.port = ntohs(m.id.idiag_sport);
	e.inode = m.idiag_inode;
	return exposure_list_add(out, &e);
}

/*
 * Our own walk rather than libmnl's mnl_cb_run: libmnl 1.0.4 compares
 * nlmsg_len as a signed int, so a length above 2^31 walks off the buffer
 * (found by fuzz_inetdiag). seq and portid 0 skip those checks.
 */
static int diag_run(const uint8_t *buf, size_t len, uint32_t seq, uint32_t portid,
		    struct exposure_list *out)
{
	size_t off = 0;

	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		const uint8_t *payload = buf + off + NLMSG_HDRLEN;
		size_t plen, step;
		int32_t err;
		int ret;

		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off)
			return -EBADMSG;
		if ((seq != 0 && h.nlmsg_seq != seq) || (portid != 0 && h.nlmsg_pid != portid))
			return -ESRCH;
		plen = h.nlmsg_len - NLMSG_HDRLEN;
		switch (h.nlmsg_type) {
		case NLMSG_DONE:
			return 1;
		case NLMSG_ERROR:
			if (plen < sizeof(err))
				return -EBADMSG;
			memcpy(&err, payload, sizeof(err));
			if (err == 0)
				return 1;
			return err < 0 && err > -4096 ? err : -EBADMSG;
		case SOCK_DIAG_BY_FAMILY:
			ret = diag_msg(payload, plen, out);
			if (ret < 0)
				return ret;
			break;
		default:
			break;
		}
		step = NLMSG_ALIGN(h.nlmsg_len);
		if (step > len - off)
			break;
		off += step;
	}
	return 0;
}

int exposure_parse_diag(const void *buf, size_t len, struct exposure_list *out)
{
	return diag_run(buf, len, 0, 0, out);
}

static int diag_dump(struct mnl_socket *nl, uint8_t *buf, int family, unsigned int seq,
		     struct exposure_list *out)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = 1u << KG_TCP_LISTEN;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, DIAG_BUF_SIZE);
		if (n < 0)
			return -errno;
		ret = diag_run(buf, (size_t)n, seq, portid, out);
	} while (ret == 0);
	return ret < 0 ? ret : 0;
}

int exposure_read_diag(struct exposure_list *out)
{
	struct mnl_socket *nl = NULL;
	uint8_t *buf = NULL;
	unsigned int seq = (unsigned int)time(NULL);
	int ret;

	buf = malloc(DIAG_BUF_SIZE);
	if (buf == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = diag_dump(nl, buf, AF_INET, seq, out);
	if (ret == 0)
		ret = diag_dump(nl, buf, AF_INET6, seq + 1, out);
fail:
	if (nl != NULL)
		mnl_socket_close(nl);
	free(buf);
	return ret;
}

/* Exactly n hex digits, most significant first. */
static int hex_exact(const char *s, size_t n, uint32_t *v)
{
	uint32_t x = 0;

	if (n > 8 || strlen(s) < n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!isxdigit(c))
			return -EINVAL;
		x = x << 4 | (uint32_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*v = x;
	return 0;
}

/*
 * "0100007F:008F": the address words are printed as native-endian 32-bit
 * integers of the network-order bytes, the port in host order.
 */
static int procnet_endpoint(const char *tok, int family, struct exposure_listener *e)
{
	size_t words = family == AF_INET ? 1 : 4;
	uint32_t w, port;

	if (strlen(tok) != words * 8 + 5 || tok[words * 8] != ':')
		return -EINVAL;
	for (size_t i = 0; i < words; i++) {
		if (hex_exact(tok + i * 8, 8, &w) < 0)
			return -EINVAL;
		memcpy(e->local.addr + i * 4, &w, 4);
	}
	if (hex_exact(tok + words * 8 + 1, 4, &port) < 0)
		return -EINVAL;
	e->local.family = family;
	e->port = (uint16_t)port;
	return 0;
}

int exposure_parse_procnet_line(const char *line, int family, struct exposure_listener *e)
{
	char copy[PROCNET_MAX_LINE];
	char *tok[10], *save = NULL, *end;
	uint32_t state;
	unsigned long long inode;
	size_t n = 0;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (strlen(line) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, line);
	for (char *t = strtok_r(copy, " \t\n", &save); t != NULL && n < 10;
	     t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	if (n == 0 || strcmp(tok[0], "sl") == 0)
		return 0; /* blank or the header */
	if (n < 10 || tok[0][strlen(tok[0]) - 1] != ':')
		return -EINVAL;
	if (strlen(tok[3]) != 2 || hex_exact(tok[3], 2, &state) < 0)
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	if (procnet_endpoint(tok[1], family, e) < 0)
		return -EINVAL;
	if (!isdigit((unsigned char)tok[9][0]))
		return -EINVAL;
	errno = 0;
	inode = strtoull(tok[9], &end, 10);
	if (errno != 0 || *end != '\0' || inode > UINT32_MAX)
		return -EINVAL;
	e->inode = (uint32_t)inode;
	return state == KG_TCP_LISTEN ? 1 : 0;
}

static int procnet_file(const char *path, int family, struct exposure_list *out)
{
	struct exposure_listener e;
	char line[PROCNET_MAX_LINE];
	unsigned int lineno = 0;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		ret = exposure_parse_procnet_line(line, family, &e);
		if (ret < 0) {
			log_error("cannot parse %s line %u", path, lineno);
			break;
		}
		if (ret == 1 && (ret = exposure_list_add(out, &e)) < 0)
			break;
		ret = 0;
	}
	fclose(f);
	return ret;
}

int exposure_read_procnet(struct exposure_list *out, const char *tcp_path, const char *tcp6_path)
{
	int ret = procnet_file(tcp_path, AF_INET, out);

	if (ret < 0)
		return ret;
	ret = procnet_file(tcp6_path, AF_INET6, out);
	/* A kernel without IPv6 has no tcp6 file and no IPv6 listeners. */
	return ret == -ENOENT ? 0 : ret;
}

int exposure_read(struct exposure_list *out)
{
	size_t before = out->count;
	int ret = exposure_read_diag(out);

	if (ret == 0)
		return 0;
	log_debug("sock_diag failed (%s), reading /proc/net/tcp", strerror(-ret));
	out->count = before;
	return exposure_read_procnet(out, "/proc/net/tcp", "/proc/net/tcp6");
}

static void read_comm(const char *procroot, const char *pid, char *name)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/comm", procroot, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, name, EXPOSURE_PROC_LEN - 1);
	close(fd);
	if (n <= 0)
		return;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
}

static void name_from_fds(struct exposure_list *l, const char *procroot, const char *pid)
{
	char path[256], link[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/fd", procroot, pid);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		unsigned long inode;
		char *end;
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);

		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "socket:[", 8) != 0)
			continue;
		inode = strtoul(link + 8, &end, 10);
		if (*end != ']')
			continue;
		for (size_t i = 0; i < l->count; i++) {
			struct exposure_listener *x = &l->items[i];

			if (x->inode != 0 && x->inode == inode && x->proc[0] == '\0')
				read_comm(procroot, pid, x->proc);
		}
	}
	closedir(d);
}

static int all_named(const struct exposure_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].inode != 0 && l->items[i].proc[0] == '\0')
			return 0;
	return 1;
}

void exposure_name_owners(struct exposure_list *l, const char *procroot)
{
	struct dirent *e;
	DIR *d;

	if (all_named(l))
		return;
	d = opendir(procroot);
	if (d == NULL)
		return;
	/*
	 * /proc lists pids in ascending order, so a listener shared by a
	 * master and its children (dovecot, postfix) is named after the
	 * master, which is the one to reconfigure.
	 */
	while ((e = readdir(d)) != NULL && !all_named(l)) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		name_from_fds(l, procroot, e->d_name);
	}
	closedir(d);
}

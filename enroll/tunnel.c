/* SPDX-License-Identifier: ISC */
/*
 * The local side of a session: the private key from IF.conf, wg-quick for
 * the interface, the session PSK set on the gateway's peer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "state.h"
#include "tunnel.h"
#include "wg/wgipc.h"
#include "wg/wgq.h"

int tunnel_private_key(const struct enroll_opts *o, uint8_t sk[KEY_LEN])
{
	char path[512], text[WGQ_TEXT_MAX], err[ERR_LEN];
	struct wgq_config c;
	size_t n;
	FILE *f;
	int r = -EINVAL;

	if (state_path(path, sizeof(path), o, "conf") < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (f == NULL) {
		fprintf(stderr, "enroll: cannot read %s: %s\n", path, strerror(errno));
		return -errno;
	}
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (wgq_parse(&c, text, n, err) < 0) {
		fprintf(stderr, "enroll: %s: %s\n", path, err);
		goto fail;
	}
	if (!(c.flags & WGQ_HAS_PRIVATE_KEY)) {
		fprintf(stderr, "enroll: %s has no PrivateKey\n", path);
		goto fail;
	}
	memcpy(sk, c.private_key, KEY_LEN);
	r = 0;
fail:
	wgq_config_finish(&c);
	sodium_memzero(text, sizeof(text));
	return r;
}

/* Runs argv with its output in a pipe, shown only if it fails: wg-quick
 * narrates every step, and a user wants one line from us. */
static int run(char *const argv[])
{
	char out[4096];
	size_t n = 0;
	ssize_t r;
	int pfd[2], status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while ((r = read(pfd[0], out + n, sizeof(out) - 1 - n)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && (n += (size_t)r) == sizeof(out) - 1)
			n = 0; /* keep the tail */
	close(pfd[0]);
	out[n] = '\0';
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fputs(out, stderr);
	return -EIO;
}

bool tunnel_exists(const struct enroll_opts *o)
{
	struct wg_device *dev = NULL;
	char err[ERR_LEN];
	bool ok = wgipc_get_device(&dev, o->ifname, err) == 0;

	wg_device_free(&dev);
	return ok;
}

int tunnel_wg_quick(const struct enroll_opts *o, const char *verb)
{
	char path[512], prog[] = "wg-quick", vb[16];
	char *argv[] = {prog, vb, path, NULL};

	snprintf(vb, sizeof(vb), "%s", verb);
	if (state_path(path, sizeof(path), o, "conf") < 0)
		return -ENAMETOOLONG;
	if (run(argv) < 0) {
		fprintf(stderr, "enroll: 'wg-quick %s %s' failed\n", verb, path);
		return -EIO;
	}
	return 0;
}

/* A datagram into the tunnel, so WireGuard starts its handshake now. */
static void kick(const struct wg_peer *p)
{
	const struct wg_allowedip *a = p->allowedips;
	int fd;

	if (a == NULL)
		return;
	if (a->family == AF_INET) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9)};

		sa.sin_addr = a->ip4;
		if (a->cidr < 32)
			sa.sin_addr.s_addr = htonl(ntohl(sa.sin_addr.s_addr) + 1);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			sendto(fd, "", 0, 0, (struct sockaddr *)&sa, sizeof(sa));
			close(fd);
		}
	} else {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(9)};

		sa.sin6_addr = a->ip6;
		if (a->cidr < 128)
			sa.sin6_addr.s6_addr[15] |= 1;
		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			sendto(fd, "", 0, 0, (struct sockaddr *)&sa, sizeof(sa));
			close(fd);
		}
	}
}

/* WireGuard drops a session's keys 180 s after its handshake
 * (REJECT_AFTER_TIME); a little earlier they may be rekeying. */
#define KEYS_LIVE_S 170

static bool keys_live(const struct wg_peer *p)
{
	struct timespec now;

	if (p->last_handshake.tv_sec == 0)
		return false;
	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec - p->last_handshake.tv_sec < KEYS_LIVE_S &&
	       now.tv_sec >= p->last_handshake.tv_sec;
}

/* Only the PSK changes: keys, endpoint and allowed IPs stay as they are. */
static int set_psk_in_place(const struct enroll_opts *o, const struct wg_peer *p,
			    const uint8_t psk[KEY_LEN], char err[ERR_LEN])
{
	struct wg_device dev = {0};
	struct wg_peer only = {0};
	int r;

	snprintf(dev.name, sizeof(dev.name), "%s", o->ifname);
	memcpy(only.public_key, p->public_key, KEY_LEN);
	memcpy(only.preshared_key, psk, KEY_LEN);
	only.flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_UPDATE_ONLY;
	dev.peers = &only;
	r = wgipc_set_device(&dev, err);
	sodium_memzero(&only, sizeof(only));
	return r;
}

int tunnel_set_psk(const struct enroll_opts *o, const uint8_t gw_wg_key[KEY_LEN],
		   const uint8_t psk[KEY_LEN], bool extend)
{
	struct wg_device *dev = NULL;
	struct wg_peer *p;
	char err[ERR_LEN];
	int r;

	r = wgipc_get_device(&dev, o->ifname, err);
	if (r < 0) {
		fprintf(stderr, "enroll: %s\n", err);
		return r;
	}
	p = dev->peers;
	if (gw_wg_key != NULL)
		p = wg_device_find_peer(dev, gw_wg_key);
	if (p == NULL) {
		fprintf(stderr, "enroll: %s has no gateway peer\n", o->ifname);
		wg_device_free(&dev);
		return -ENOENT;
	}
	if (extend && keys_live(p)) {
		r = set_psk_in_place(o, p, psk, err);
		if (r < 0)
			fprintf(stderr, "enroll: cannot set the session key on %s: %s\n", o->ifname,
				err);
		wg_device_free(&dev);
		return r;
	}
	/* Removing and adding the peer again resets WireGuard's handshake
	 * timers: a handshake that failed while the gateway kept us disabled
	 * would otherwise hold the first packet for up to 5 s. */
	memcpy(p->preshared_key, psk, KEY_LEN);
	p->flags = WGPEER_HAS_PRESHARED_KEY | WGPEER_REPLACE_ALLOWEDIPS;
	if (p->endpoint.addr.sa_family != 0)
		p->flags |= WGPEER_HAS_ENDPOINT;
	/* Through NAT the gateway can only reach us while a mapping lives. */
	p->keepalive = 25;
	p->flags |= WGPEER_HAS_KEEPALIVE;
	r = wgipc_remove_peer(o->ifname, p->public_key, err);
	if (r == 0)
		r = wgipc_add_peer(o->ifname, p, err);
	if (r < 0)
		fprintf(stderr, "enroll: cannot set the session key on %s: %s\n", o->ifname, err);
	else
		kick(p);
	wg_device_free(&dev);
	return r;
}
